import { createArgon2Hasher as authHasher, createAuthService, type AuthService } from '@tidings/auth';
import { createArgon2Hasher, createSecurityQuestionsService, type SecurityQuestionsService } from '@tidings/security-questions';
import { connectServiceClient, startTestStack, type TestStack } from '@tidings/testkit';
import type { MqttClient } from 'mqtt';

export interface RecoveryStack {
  stack: TestStack;
  url: string;
  auth: AuthService;
  recovery: SecurityQuestionsService;
  close(): Promise<void>;
}

const CHEAP = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

/**
 * A real broker on port 0 with a temporary database, the real auth and security-questions
 * services in-process (their own service credentials, argon2id with the cheapest parameters,
 * refused attempts answered without delay).
 */
export async function startRecoveryStack(): Promise<RecoveryStack> {
  const stack = await startTestStack();
  const clients: MqttClient[] = [];
  let auth: AuthService | undefined;
  let recovery: SecurityQuestionsService | undefined;
  try {
    const authClient = await connectServiceClient(stack, 'auth');
    clients.push(authClient);
    auth = createAuthService({ client: authClient, db: stack.db, logger: stack.logger, sleep: async () => {}, hasher: authHasher(CHEAP) });
    await auth.start();
    const client = await connectServiceClient(stack, 'security-questions');
    clients.push(client);
    recovery = createSecurityQuestionsService({
      client,
      db: stack.db,
      logger: stack.logger,
      recoveryKey: 'cli-test-recovery-key-0123456789abcdefghij',
      sleep: async () => {},
      hasher: createArgon2Hasher(CHEAP),
    });
    await recovery.start();
  } catch (err) {
    await auth?.stop();
    for (const c of clients) await c.endAsync(true);
    await stack.close();
    throw err;
  }
  const running = { auth, recovery };
  return {
    stack,
    url: stack.url,
    ...running,
    async close() {
      await running.recovery.stop();
      await running.auth.stop();
      for (const c of clients) await c.endAsync();
      await stack.close();
    },
  };
}
