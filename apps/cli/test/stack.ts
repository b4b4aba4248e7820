import { createAuthService } from '@tidings/auth';
import { startTestService, startTestStack, type TestStack } from '@tidings/testkit';

export interface AuthStack {
  stack: TestStack;
  /** mqtt://127.0.0.1:<port> of the test broker. */
  url: string;
  close(): Promise<void>;
}

/**
 * A real broker on port 0 with a temporary database (testkit) and the real auth service
 * in-process, connected with its service credentials. Refused sign-ins are answered without
 * the throttle's delay, so tests never wait on it.
 */
export async function startAuthStack(): Promise<AuthStack> {
  const stack = await startTestStack();
  const auth = await startTestService(stack, 'auth', (deps) => createAuthService({ ...deps, sleep: async () => {} })).catch(async (err: unknown) => {
    await stack.close();
    throw err;
  });
  return {
    stack,
    url: stack.url,
    async close() {
      await auth.stop();
      await stack.close();
    },
  };
}

let counter = 0;
/** A username no other test of the file uses. */
export function uniqueUser(prefix = 'user'): string {
  return `${prefix}${process.pid % 1000}${++counter}`;
}
