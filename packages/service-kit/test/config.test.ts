import { describe, expect, it } from 'vitest';
import { HashLineEnv, ServiceEnv, hashLineSettings, loadConfig } from '../src/index.js';

describe('the hash line settings (TIDINGS_HASH_*)', () => {
  const Env = ServiceEnv.extend(HashLineEnv.shape);

  it('leaves unset ones to the service’s default and reads the set ones', () => {
    expect(hashLineSettings(loadConfig(Env, {}))).toEqual({});
    const env = loadConfig(Env, { TIDINGS_HASH_CONCURRENCY: '3', TIDINGS_HASH_QUEUE: '0', TIDINGS_HASH_PER_CLIENT: '1', TIDINGS_HASH_DEADLINE_MS: '2500' });
    expect(hashLineSettings(env)).toEqual({ hashConcurrency: 3, hashQueue: 0, hashPerClient: 1, hashDeadlineMs: 2500 });
  });

  it('refuses values that would switch the line off or make no sense, naming the variable', () => {
    for (const [name, value] of [
      ['TIDINGS_HASH_CONCURRENCY', '0'],
      ['TIDINGS_HASH_QUEUE', '-1'],
      ['TIDINGS_HASH_PER_CLIENT', 'two'],
      ['TIDINGS_HASH_DEADLINE_MS', '0'],
      ['TIDINGS_HASH_DEADLINE_MS', '1.5'],
    ] as const) {
      expect(() => loadConfig(Env, { [name]: value }), `${name}=${value}`).toThrow(name);
    }
  });
});
