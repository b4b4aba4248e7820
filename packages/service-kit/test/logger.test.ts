import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, lazyChild } from '../src/index.js';

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

  it('makes a lazy child only when something is logged through it, with the bindings and the redaction of a real one', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: 'test', level: 'info', destination });
    let made = 0;
    const child = logger.child.bind(logger);
    logger.child = ((...args: Parameters<typeof child>) => {
      made += 1;
      return child(...args);
    }) as typeof logger.child;
    const quiet = lazyChild(logger, { action: 'chat.send', clientId: 'ann:laptop' });
    expect(made).toBe(0);
    const log = lazyChild(logger, { action: 'auth.login', clientId: 'g:abcdefgh' });
    log.info({ password: 'hunter2-secret' }, 'refused');
    log.warn('again');
    expect(made).toBe(1);
    expect(quiet.isLevelEnabled('debug')).toBe(false);
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ action: 'auth.login', clientId: 'g:abcdefgh', password: '[redacted]', msg: 'refused' });
  });
});

