import { randomBytes } from 'node:crypto';
import { RECOVERY_CODE_COUNT } from '@tidings/protocol';
import { accountEvent, callerUsername, type Handler } from '@tidings/service-kit';
import { checkCurrentPassword, type RecoveryContext } from '../context.js';
import { codeHash, newRecoveryCode } from '../keys.js';

/**
 * recovery.codes (user): a new set of one-time recovery codes, after checking the current
 * password. The codes are returned once and stored only as HMACs; the earlier set is deleted
 * in the same transaction, so it stops working the moment the new one exists.
 */
export function codesHandler(rc: RecoveryContext): Handler<'recovery.codes'> {
  return async (request, ctx) => {
    const username = callerUsername(ctx);
    const user = await checkCurrentPassword(rc, username, request.currentPassword, ctx.caller.clientId);
    const codes = new Set<string>();
    while (codes.size < RECOVERY_CODE_COUNT) codes.add(newRecoveryCode());
    const now = new Date(rc.now());
    await rc.db.prisma.$transaction(async (tx) => {
      await tx.recoveryCode.deleteMany({ where: { userId: user.id } });
      await tx.recoveryCode.createMany({
        data: [...codes].map((code) => ({
          id: randomBytes(12).toString('base64url'),
          userId: user.id,
          codeHash: codeHash(rc.keys, username, code),
          createdAt: now,
        })),
      });
      await tx.accountEvent.create({ data: accountEvent(user.id, 'recovery-codes-generated', now, String(codes.size)) });
    });
    ctx.logger.info({ username, count: codes.size }, 'recovery codes generated');
    return { codes: [...codes] };
  };
}
