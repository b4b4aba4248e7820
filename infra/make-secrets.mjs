#!/usr/bin/env node
// Makes the secrets of a Tidings deployment whose processes run apart (Compose, Kubernetes, several
// machines), each file mode 0600 in a new directory:
//
//   service-credentials.json   the broker's list of service passwords (its TIDINGS_DATA_DIR)
//   <service>.env              TIDINGS_SERVICE_SECRET=… for that service (the same password);
//                              security-questions.env also TIDINGS_RECOVERY_KEY=…
//   database.env               DATABASE_URL=… for every process and the migration
//   postgres-password          the password of PostgreSQL's `tidings` user (Compose's postgres)
//   kubernetes-secret.json     all of it as the Secret `tidings-secrets` (kubectl apply -f), with
//                              the Redis URL (`redis-url`) the brokers and the limits use
//
// Usage: node infra/make-secrets.mjs [DIR] [--database-url URL] [--redis-url URL]
//   DIR defaults to infra/compose/secrets (what compose.yaml reads). Without --database-url the
//   URL is Compose's: postgresql://tidings:<new password>@postgres:5432/tidings; without
//   --redis-url, redis://redis:6379 (Compose's; give yours, with its password, for Kubernetes).
// It never overwrites: a directory that already holds service-credentials.json is refused (changing
// a service's password means changing it in both places, then restarting the broker and it).
// Nothing secret is printed. Needs only Node (no install, no build).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** packages/service-kit/src/credentials.ts SERVICES (a test keeps the two the same). */
export const SERVICES = ['auth', 'chat-store', 'chat-query', 'likes', 'security-questions', 'presence'];

const USAGE = 'usage: node infra/make-secrets.mjs [DIR] [--database-url postgresql://…] [--redis-url redis://…]';

function fail(message, code = 2) {
  process.stderr.write(`make-secrets: ${message}\n`);
  process.exit(code);
}

/** A random secret as service-kit makes them: base64url, 32 characters from 24 bytes. */
const secret = (bytes = 24) => randomBytes(bytes).toString('base64url');

const args = process.argv.slice(2);
let dir;
let databaseUrl;
let redisUrl = 'redis://redis:6379';
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--database-url') {
    databaseUrl = args[++i];
    if (!databaseUrl || !/^postgres(ql)?:\/\/\S/i.test(databaseUrl)) fail(`--database-url needs a postgresql:// URL\n${USAGE}`);
  } else if (args[i] === '--redis-url') {
    redisUrl = args[++i];
    if (!redisUrl || !/^rediss?:\/\/\S/i.test(redisUrl)) fail(`--redis-url needs a redis:// or rediss:// URL\n${USAGE}`);
  } else if (args[i] === '--help' || args[i] === '-h') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  } else if (args[i].startsWith('-') || dir !== undefined) fail(`unexpected argument ${args[i]}\n${USAGE}`);
  else dir = args[i];
}
dir = path.resolve(dir ?? path.join(import.meta.dirname, 'compose', 'secrets'));
if (existsSync(path.join(dir, 'service-credentials.json'))) fail(`${dir} already holds secrets; not overwriting them`, 1);

const postgresPassword = secret();
databaseUrl ??= `postgresql://tidings:${postgresPassword}@postgres:5432/tidings`;
const credentials = Object.fromEntries(SERVICES.map((s) => [s, secret()]));
const recoveryKey = secret(32);

mkdirSync(dir, { recursive: true, mode: 0o700 });
const write = (name, text) => writeFileSync(path.join(dir, name), text, { mode: 0o600, flag: 'wx' });

write('service-credentials.json', `${JSON.stringify(credentials, null, 2)}\n`);
for (const service of SERVICES) {
  const lines = [`TIDINGS_SERVICE_SECRET=${credentials[service]}`];
  if (service === 'security-questions') lines.push(`TIDINGS_RECOVERY_KEY=${recoveryKey}`);
  write(`${service}.env`, `${lines.join('\n')}\n`);
}
write('database.env', `DATABASE_URL=${databaseUrl}\n`);
write('postgres-password', `${postgresPassword}\n`);
const kubernetesSecret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'tidings-secrets', namespace: 'tidings', labels: { 'app.kubernetes.io/part-of': 'tidings' } },
  type: 'Opaque',
  stringData: {
    'database-url': databaseUrl,
    'redis-url': redisUrl,
    'service-credentials.json': JSON.stringify(credentials),
    ...Object.fromEntries(SERVICES.map((s) => [`service-secret-${s}`, credentials[s]])),
    'recovery-key': recoveryKey,
  },
};
write('kubernetes-secret.json', `${JSON.stringify(kubernetesSecret, null, 2)}\n`);

process.stdout.write(`made the secrets of ${SERVICES.length} services, the database and the recovery key in ${dir} (mode 0600)\n`);
