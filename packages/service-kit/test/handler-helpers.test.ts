import { TidingsError } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { callerUsername, createLogger, rateLimited, type HandlerContext } from '../src/index.js';

const logger = createLogger({ name: 'test', level: 'silent' });

describe('callerUsername', () => {
  it('gives the username the broker verified for a user, and refuses a guest with FORBIDDEN', () => {
    const user: HandlerContext = { caller: { kind: 'user', username: 'alice', clientId: 'alice:laptop' }, logger };
    const guest: HandlerContext = { caller: { kind: 'guest', clientId: 'g:abc' }, logger };
    expect(callerUsername(user)).toBe('alice');
    expect(() => callerUsername(guest)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
  });
});

describe('rateLimited', () => {
  it('is a RATE_LIMITED error whose retryAfter is whole seconds, rounded up, at least 1', () => {
    const err = rateLimited('slow down', 1500);
    expect(err).toBeInstanceOf(TidingsError);
    expect(err).toMatchObject({ code: 'RATE_LIMITED', message: 'slow down', retryAfter: 2 });
    expect(rateLimited('x', 0).retryAfter).toBe(1);
    expect(rateLimited('x', 60_000).retryAfter).toBe(60);
  });
});
