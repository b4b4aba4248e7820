import { connectGuest } from '@tidings/client';

/**
 * Registers `users` through auth on one guest connection, one at a time: auth's hash line holds
 * at most 2 hashes of one client id (more get RATE_LIMITED). Shared by the sign-in generators.
 */
export async function register(args: { url: string; users: { username: string; password: string }[] }): Promise<void> {
  const guest = await connectGuest({ url: args.url });
  try {
    for (const u of args.users) await guest.request('auth.register', u, { timeoutMs: 60_000 });
  } finally {
    await guest.close();
  }
}
