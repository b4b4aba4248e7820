import { TidingsError, normalizeAnswer, normalizeRecoveryCode, passwordProblem, usernameProblem } from '@tidings/protocol';
import { accountEvent, type Handler, type HandlerContext } from '@tidings/service-kit';
import { inHashLine, takeAttempt, underFailureLimit, type RecoveryContext } from '../context.js';
import { codeHash } from '../keys.js';

/** One answer for every failed recovery, whatever the reason (unknown name, no question, wrong answer or code). */
export const RECOVERY_FAILED_MESSAGE = 'That did not match: check the username and try again.';

type Method = 'question' | 'code';

/** What a check found: the account (when it exists) and whether the secret matched. */
interface CheckResult {
  userId: string | undefined;
  ok: boolean;
  /** The recovery code row to use up (code path). */
  codeId?: string;
}

class CodeTakenMeanwhile extends Error {}

/**
 * recovery.reset (guest): the answer to the security question + a new password.
 * Every path does the same work: one query for the account and its answer hash, one argon2id
 * verification (against a dummy hash when there is no answer), the same error.
 */
export function resetHandler(rc: RecoveryContext): Handler<'recovery.reset'> {
  return async (request, ctx) =>
    recover(rc, ctx, 'question', request.username, request.newPassword, async () => {
      const user = await rc.db.prisma.user.findUnique({
        where: { username: request.username },
        select: { id: true, securityQuestion: { select: { answerHash: true } } },
      });
      const stored = user?.securityQuestion?.answerHash;
      const account = { username: request.username, exists: user !== null };
      const matches = await inHashLine(rc, account, ctx.caller.clientId, () => rc.hasher.verify(stored ?? rc.dummyHash(), normalizeAnswer(request.answer)));
      return { userId: user?.id, ok: matches && stored !== undefined };
    });
}

/**
 * recovery.code (guest): one unused recovery code + a new password. Every path does the same
 * work: one query for the account, one HMAC and one indexed look-up of the code, the same error.
 * A malformed code is looked up like any other and fails like a wrong one.
 */
export function codeHandler(rc: RecoveryContext): Handler<'recovery.code'> {
  return async (request, ctx) =>
    recover(rc, ctx, 'code', request.username, request.newPassword, async () => {
      const { username } = request;
      const canonical = normalizeRecoveryCode(request.code) ?? request.code;
      const hash = codeHash(rc.keys, username, canonical);
      const [user, code] = await Promise.all([
        rc.db.prisma.user.findUnique({ where: { username }, select: { id: true } }),
        rc.db.prisma.recoveryCode.findUnique({ where: { codeHash: hash }, select: { id: true, userId: true, usedAt: true } }),
      ]);
      const ok = user !== null && code !== null && code.userId === user.id && code.usedAt === null;
      return ok ? { userId: user.id, ok, codeId: code.id } : { userId: user?.id, ok: false };
    });
}

async function recover(
  rc: RecoveryContext,
  ctx: HandlerContext,
  method: Method,
  username: string,
  newPassword: string,
  check: () => Promise<CheckResult>,
): Promise<{ revokedSessions: number }> {
  // Rules that depend on the input alone come first: they tell nothing about the account and
  // spend no attempt.
  const nameProblem = usernameProblem(username);
  if (nameProblem) throw new TidingsError('INVALID_USERNAME', nameProblem);
  const problem = passwordProblem(newPassword, username);
  if (problem) throw new TidingsError('INVALID_PASSWORD', problem);
  await takeAttempt(rc, rc.clientAttempts, ctx.caller.clientId, 'Too many recovery attempts from this connection: wait and try again.');

  let found: CheckResult = { userId: undefined, ok: false };
  let revokedSessions = 0;
  const ok = await underFailureLimit(
    rc,
    rc.recoveryFailures,
    `recover:${username}`,
    'Too many failed recovery attempts for this account: wait and try again.',
    async () => {
      found = await check();
      if (!found.ok || found.userId === undefined) return false;
      try {
        revokedSessions = await resetPassword(rc, ctx, username, found.userId, method, newPassword, found.codeId);
        return true;
      } catch (err) {
        if (err instanceof CodeTakenMeanwhile) return false; // one code used twice at once: the second fails like a wrong code
        throw err;
      }
    },
  );
  if (!ok) {
    // Recorded after the answer is sent, so a known username is not answered later than an unknown one.
    if (found.userId !== undefined) rc.events.record(found.userId, 'recovery-failed', rc.now(), method);
    throw new TidingsError('INVALID_CREDENTIALS', RECOVERY_FAILED_MESSAGE);
  }
  return { revokedSessions };
}

/**
 * Sets the new password, uses up the code (code path), revokes every session of the account and
 * records the event, in one transaction; then has the broker close the live connections.
 */
async function resetPassword(
  rc: RecoveryContext,
  ctx: HandlerContext,
  username: string,
  userId: string,
  method: Method,
  newPassword: string,
  codeId: string | undefined,
): Promise<number> {
  const passwordHash = await inHashLine(rc, { username, exists: true }, ctx.caller.clientId, () => rc.hasher.hash(newPassword));
  const now = new Date(rc.now());
  const revoked = await rc.db.prisma.$transaction(async (tx) => {
    if (codeId !== undefined) {
      const { count } = await tx.recoveryCode.updateMany({ where: { id: codeId, usedAt: null }, data: { usedAt: now } });
      if (count === 0) throw new CodeTakenMeanwhile();
    }
    await tx.user.update({ where: { id: userId }, data: { passwordHash, updatedAt: now } });
    const live = await tx.session.findMany({ where: { userId, revokedAt: null, expiresAt: { gt: now } }, select: { id: true } });
    const ids = live.map((s) => s.id);
    if (ids.length > 0) await tx.session.updateMany({ where: { id: { in: ids } }, data: { revokedAt: now } });
    await tx.accountEvent.create({ data: accountEvent(userId, 'password-reset', now, method) });
    return ids;
  });
  if (revoked.length > 0) rc.revocations.announce({ sessionIds: revoked, username, reason: 'password-reset' });
  ctx.logger.info({ username, method, revokedSessions: revoked.length }, 'password reset');
  return revoked.length;
}
