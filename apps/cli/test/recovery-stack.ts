import { createArgon2Hasher as authHasher, createAuthService, type AuthService } from '@tidings/auth';
import { createArgon2Hasher, createSecurityQuestionsService, type SecurityQuestionsService } from '@tidings/security-questions';
import { startServices, startTestStack, type TestStack } from '@tidings/testkit';

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
  try {
    const { services, stop } = await startServices(stack, {
      auth: (deps) => createAuthService({ ...deps, sleep: async () => {}, hasher: authHasher(CHEAP) }),
      'security-questions': (deps) =>
        createSecurityQuestionsService({
          ...deps,
          recoveryKey: 'cli-test-recovery-key-0123456789abcdefghij',
          sleep: async () => {},
          hasher: createArgon2Hasher(CHEAP),
        }),
    });
    return {
      stack,
      url: stack.url,
      auth: services.auth,
      recovery: services['security-questions'],
      async close() {
        await stop();
        await stack.close();
      },
    };
  } catch (err) {
    await stack.close();
    throw err;
  }
}
