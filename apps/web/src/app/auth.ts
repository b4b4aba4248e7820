import { connectGuest, type ConnectOptions, type Connection } from '@tidings/client';
import { isTidingsError, passwordProblem, usernameProblem } from '@tidings/protocol';
import type { SavedSession } from '../state/identity.js';
import { loginName } from './device-name.js';

/**
 * The flows a signed-out visitor can run: each opens a short guest connection (client id
 * `g:<random>`, which may only reach the guest actions and its own reply topic), asks, and
 * closes it. Signing in returns a session token; the app then connects as `<username>:<device>`.
 * Account recovery (app/recovery.ts) runs the same way.
 */

/** Which input an error belongs next to. */
export type Field = 'username' | 'password' | 'confirm' | 'current' | 'question' | 'answer' | 'code' | 'form';

export class FormError extends Error {
  readonly field: Field;
  constructor(field: Field, message: string) {
    super(message);
    this.field = field;
  }
}

/** Puts a service's error next to the input it is about, in words. */
export function formError(err: unknown): FormError {
  if (err instanceof FormError) return err;
  if (isTidingsError(err)) {
    switch (err.code) {
      case 'INVALID_USERNAME':
      case 'USERNAME_TAKEN':
        return new FormError('username', sentence(err.message));
      case 'INVALID_PASSWORD':
        return new FormError('password', sentence(err.message));
      case 'INVALID_CREDENTIALS':
        return new FormError('form', 'That username and password do not match.');
      case 'RATE_LIMITED':
        return new FormError('form', `Too many attempts: wait ${err.retryAfter ?? 30} seconds and try again.`);
      case 'UNAVAILABLE':
        return new FormError('form', `Cannot reach the server (${err.message}). Check your connection and try again.`);
      default:
        return new FormError('form', sentence(err.message));
    }
  }
  return new FormError('form', 'Something went wrong. Please try again.');
}

function sentence(text: string): string {
  const t = text.trim();
  if (t.length === 0) return t;
  const s = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** The rules the service applies, checked before asking it (the service checks again). */
export function checkCredentials(username: string, password: string): FormError | null {
  const name = username.trim().toLowerCase();
  const u = usernameProblem(name);
  if (u) return new FormError('username', u);
  const p = passwordProblem(password, name);
  if (p) return new FormError('password', p);
  return null;
}

/** Where the broker is, and extra mqtt.js options (the keepalive timer). */
export interface BrokerTarget {
  url: string;
  mqtt?: ConnectOptions['mqtt'];
}

export async function asGuest<T>(target: BrokerTarget, run: (conn: Connection) => Promise<T>): Promise<T> {
  const options: ConnectOptions = { url: target.url, connectTimeoutMs: 10_000 };
  if (target.mqtt) options.mqtt = target.mqtt;
  const conn = await connectGuest(options);
  try {
    return await run(conn);
  } finally {
    await conn.close().catch(() => {});
  }
}

export async function signIn(target: BrokerTarget, username: string, password: string, device: string): Promise<SavedSession> {
  if (username.trim().length === 0) throw new FormError('username', 'Enter your username.');
  if (password.length === 0) throw new FormError('password', 'Enter your password.');
  try {
    return await asGuest(target, async (conn) => {
      const r = await conn.request('auth.login', { username, password, device, ...loginName() });
      return { username: r.username, token: r.token, sessionId: r.sessionId, expiresAt: r.expiresAt };
    });
  } catch (err) {
    throw formError(err);
  }
}

export async function register(target: BrokerTarget, username: string, password: string, device: string): Promise<SavedSession> {
  const problem = checkCredentials(username, password);
  if (problem) throw problem;
  try {
    return await asGuest(target, async (conn) => {
      await conn.request('auth.register', { username, password });
      const r = await conn.request('auth.login', { username, password, device, ...loginName() });
      return { username: r.username, token: r.token, sessionId: r.sessionId, expiresAt: r.expiresAt };
    });
  } catch (err) {
    throw formError(err);
  }
}
