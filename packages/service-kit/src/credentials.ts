import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';

/** Every process that connects to the broker with service credentials. */
export const SERVICES = ['auth', 'chat-store', 'chat-query', 'likes', 'security-questions', 'presence'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const CREDENTIALS_FILE = 'service-credentials.json';

/** Service name → secret; the broker user name of a service is `svc:<name>`. */
export type ServiceCredentials = Record<string, string>;

export function serviceUsername(service: string): string {
  return `svc:${service}`;
}

/**
 * Reads the service credentials from `<dataDir>/service-credentials.json`, creating the file
 * with a fresh secret per service (mode 0600) on first start. Whichever process comes first
 * writes it; `wx` makes the write exclusive so two starters cannot both win.
 */
export function loadOrCreateServiceCredentials(dataDir: string): ServiceCredentials {
  const file = path.join(dataDir, CREDENTIALS_FILE);
  mkdirSync(dataDir, { recursive: true });
  try {
    return withEveryService(file, JSON.parse(readFileSync(file, 'utf8')) as ServiceCredentials);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const fresh = Object.fromEntries(SERVICES.map((s) => [s, randomBytes(24).toString('base64url')]));
  try {
    writeFileSync(file, `${JSON.stringify(fresh, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    chmodSync(file, 0o600);
    return fresh;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return JSON.parse(readFileSync(file, 'utf8')) as ServiceCredentials;
  }
}

/** A file written before a service existed gets a secret for it too (written whole, then renamed). */
function withEveryService(file: string, creds: ServiceCredentials): ServiceCredentials {
  const missing = SERVICES.filter((s) => typeof creds[s] !== 'string');
  if (missing.length === 0) return creds;
  const next = { ...creds, ...Object.fromEntries(missing.map((s) => [s, randomBytes(24).toString('base64url')])) };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return next;
}
