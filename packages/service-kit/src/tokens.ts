import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Session tokens are `<sessionId>.<secret>`: the session id names the database row and the
 * secret is 32 random bytes. Only sha256(secret) is stored, so a leaked database holds no
 * usable token. The broker checks a token at CONNECT with one indexed lookup; the ACL then
 * works on the verified identity with no further lookups per packet.
 */
export interface IssuedToken {
  sessionId: string;
  token: string;
  tokenHash: string;
}

const SESSION_ID = /^[A-Za-z0-9_-]{16,64}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export function issueToken(): IssuedToken {
  let sessionId = randomBytes(12).toString('base64url');
  // never starts with - or _, so a session id typed on a command line is not read as an option
  while (!/^[A-Za-z0-9]/.test(sessionId)) sessionId = randomBytes(12).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  return { sessionId, token: `${sessionId}.${secret}`, tokenHash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Splits a token; null when it is not of our shape (so it is refused without a lookup). */
export function parseToken(token: string): { sessionId: string; secret: string } | null {
  const dot = token.indexOf('.');
  if (dot < 0) return null;
  const sessionId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (!SESSION_ID.test(sessionId) || !SECRET.test(secret)) return null;
  return { sessionId, secret };
}

/** Constant-time check of a secret against a stored sha256 hex hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time string equality (service secrets). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
