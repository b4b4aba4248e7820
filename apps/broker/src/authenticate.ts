import type { Database } from '@tidings/db';
import { GUEST_CLIENT_ID_PATTERN, USERNAME_PATTERN, parseClientId } from '@tidings/protocol';
import { parseToken, safeEqual, secretMatches } from '@tidings/service-kit';
import type { Identity } from './acl.js';

/** CONNACK return codes of MQTT 3.1.1 that we answer with. */
export const ReturnCode = {
  IDENTIFIER_REJECTED: 2,
  SERVER_UNAVAILABLE: 3,
  BAD_USERNAME_OR_PASSWORD: 4,
  NOT_AUTHORIZED: 5,
} as const;
export type ReturnCode = (typeof ReturnCode)[keyof typeof ReturnCode];

export interface Refusal {
  refused: true;
  returnCode: ReturnCode;
  /** Why, for the log. Never holds a password or token. */
  reason: string;
}

export type Verdict = { refused: false; identity: Identity } | Refusal;

export interface ConnectAttempt {
  clientId: string;
  clean: boolean;
  username: string | undefined;
  password: Buffer | undefined;
}

export interface AuthenticatorOptions {
  db?: Database | undefined;
  serviceCredentials: Readonly<Record<string, string>>;
  now: () => number;
  /** Called after a user signed in, to record lastSeenAt (fire and forget). */
  onUserSeen?: (sessionId: string) => void;
}

const refuse = (returnCode: ReturnCode, reason: string): Refusal => ({ refused: true, returnCode, reason });

/**
 * Decides who a connecting client is (architecture decision 2):
 * - guest: no username and no password, client id `g:<random>`, clean session;
 * - user: username + session token as password, client id `<username>:<device>`, one DB lookup;
 * - service: username `svc:<name>` + that service's secret, client id `svc:<name>:<instance>`.
 * Anything else is refused.
 */
export function createAuthenticator(options: AuthenticatorOptions): (attempt: ConnectAttempt) => Promise<Verdict> {
  const { db, serviceCredentials, now } = options;

  return async function authenticate(attempt) {
    const { clientId, clean, password } = attempt;
    const username = attempt.username;

    if (username === undefined || username === '') {
      if (password !== undefined && password.length > 0) return refuse(ReturnCode.BAD_USERNAME_OR_PASSWORD, 'password without a username');
      if (!GUEST_CLIENT_ID_PATTERN.test(clientId)) return refuse(ReturnCode.IDENTIFIER_REJECTED, 'guest client id is not g:<random>');
      if (!clean) return refuse(ReturnCode.NOT_AUTHORIZED, 'guest asked for a persistent session');
      return { refused: false, identity: { kind: 'guest', clientId } };
    }

    if (username.startsWith('svc:')) {
      const service = username.slice('svc:'.length);
      const secret = Object.hasOwn(serviceCredentials, service) ? serviceCredentials[service] : undefined;
      if (secret === undefined) return refuse(ReturnCode.BAD_USERNAME_OR_PASSWORD, 'unknown service');
      if (password === undefined || !safeEqual(password.toString('utf8'), secret)) return refuse(ReturnCode.BAD_USERNAME_OR_PASSWORD, 'wrong service secret');
      const parsed = parseClientId(clientId);
      if (parsed.kind !== 'service' || parsed.service !== service)
        return refuse(ReturnCode.IDENTIFIER_REJECTED, 'service client id is not svc:<service>:<instance>');
      return { refused: false, identity: { kind: 'service', service, clientId } };
    }

    const name = username.toLowerCase();
    if (!USERNAME_PATTERN.test(name)) return refuse(ReturnCode.BAD_USERNAME_OR_PASSWORD, 'malformed username');
    const parsed = parseClientId(clientId);
    if (parsed.kind !== 'user' || parsed.username !== name) return refuse(ReturnCode.IDENTIFIER_REJECTED, 'user client id is not <username>:<device>');
    if (password === undefined) return refuse(ReturnCode.BAD_USERNAME_OR_PASSWORD, 'no session token');
    const token = parseToken(password.toString('utf8'));
    if (!token) return refuse(ReturnCode.BAD_USERNAME_OR_PASSWORD, 'malformed session token');
    if (!db) return refuse(ReturnCode.SERVER_UNAVAILABLE, 'no database to check sessions');

    let session;
    try {
      session = await db.prisma.session.findUnique({
        where: { id: token.sessionId },
        include: { user: { select: { username: true } } },
      });
    } catch (err) {
      return refuse(ReturnCode.SERVER_UNAVAILABLE, `session lookup failed: ${(err as Error).message}`);
    }
    if (!session) return refuse(ReturnCode.BAD_USERNAME_OR_PASSWORD, 'unknown session');
    if (session.user.username !== name) return refuse(ReturnCode.BAD_USERNAME_OR_PASSWORD, 'session belongs to another user');
    if (session.revokedAt !== null) return refuse(ReturnCode.BAD_USERNAME_OR_PASSWORD, 'session revoked');
    const expiresAt = session.expiresAt.getTime();
    if (expiresAt <= now()) return refuse(ReturnCode.BAD_USERNAME_OR_PASSWORD, 'session expired');
    if (!secretMatches(token.secret, session.tokenHash)) return refuse(ReturnCode.BAD_USERNAME_OR_PASSWORD, 'wrong token secret');

    options.onUserSeen?.(session.id);
    return { refused: false, identity: { kind: 'user', username: name, clientId, sessionId: session.id, expiresAt } };
  };
}
