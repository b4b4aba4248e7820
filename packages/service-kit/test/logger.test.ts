import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, destination };
}

describe('the logger', () => {
  it('redacts passwords, tokens, answers and codes at any of the first three levels', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: 'test', level: 'trace', destination });
    logger.info({ password: 'hunter2-secret', req: { token: 'tok-secret', body: { answer: 'fluffy-secret' } } }, 'one');
    logger.child({ component: 'x' }).debug({ newPassword: 'new-secret', currentPassword: 'cur-secret', codes: ['code-secret'] }, 'two');
    const all = lines.join('');
    expect(lines).toHaveLength(2);
    for (const secret of ['hunter2-secret', 'tok-secret', 'fluffy-secret', 'new-secret', 'cur-secret', 'code-secret']) {
      expect(all).not.toContain(secret);
    }
    expect(all).toContain('[redacted]');
  });
});
