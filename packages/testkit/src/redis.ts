import { randomBytes } from 'node:crypto';
import { createLimits, type Limits } from '@tidings/service-kit';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { describe, it } from 'vitest';

let skipNoticePrinted = false;

/** TEST_REDIS_URL (e.g. redis://127.0.0.1:6379), or undefined with a printed reason once. */
export function redisUrlOrSkip(): string | undefined {
  const url = process.env.TEST_REDIS_URL;
  if (url) return url;
  if (!skipNoticePrinted) {
    skipNoticePrinted = true;
    console.log('skipping Redis tests: TEST_REDIS_URL is unset');
  }
  return undefined;
}

/** A `describe` that runs with TEST_REDIS_URL, and is one skipped test saying why without it. */
export function describeWithRedis(name: string, body: (url: string) => void): void {
  const url = redisUrlOrSkip();
  describe(name, () => {
    if (!url) {
      it.skip('runs only when TEST_REDIS_URL is set', () => {});
      return;
    }
    body(url);
  });
}

/**
 * Limits in Redis for a test: `instances` Limits (as many service instances) sharing one random
 * key prefix. `close` closes them and deletes every key of the prefix.
 */
export function sharedTestLimits(url: string, instances: number, logger?: Logger): { limits: Limits[]; prefix: string; close(): Promise<void> } {
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  const limits = Array.from({ length: instances }, () => createLimits({ redisUrl: url, prefix, logger }));
  return {
    limits,
    prefix,
    async close() {
      await Promise.all(limits.map((l) => l.close()));
      const redis = new Redis(url);
      try {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        await redis.quit();
      }
    },
  };
}
