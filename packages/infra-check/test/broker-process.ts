import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTempPostgresDatabase, runServiceProcess, type Backend, type ServiceProcess, type TempPostgresDatabase } from '@tidings/testkit';
import { expect } from 'vitest';
import { ROOT, makeSecrets } from './lib.js';

/** A broker process started as a deployment starts it: migrated database, make-secrets.mjs's credentials, every port free. */
export interface BrokerProcess {
  proc: ServiceProcess;
  tmp: string;
  databaseUrl: string;
  /** make-secrets.mjs's directory (`<service>.env`, …). */
  secretsDir: string;
  /** The broker's data directory: service-credentials.json alone. */
  dataDir: string;
  credentials: Record<string, string>;
  mqttUrl: string;
  mqttPort: number;
  httpPort: number;
  opsPort: number;
  stop(): Promise<void>;
}

export const appScript = (name: string) => path.join(ROOT, 'apps', name, 'dist', 'main.js');

/** The port a process's log says its operations endpoint listens on. */
export function opsPortOf(proc: ServiceProcess): number {
  const line = proc.lines().find((l) => l.includes('"msg":"ops endpoint listening'));
  return (JSON.parse(line ?? '{}') as { port: number }).port;
}

export async function startBrokerProcess(backend: Backend, env: Record<string, string> = {}): Promise<BrokerProcess> {
  const made = makeSecrets();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tidings-apart-'));
  const dataDir = path.join(tmp, 'broker');
  mkdirSync(dataDir);
  copyFileSync(path.join(made.dir, 'service-credentials.json'), path.join(dataDir, 'service-credentials.json'));
  let database: TempPostgresDatabase | undefined;
  if (backend === 'postgres') database = await createTempPostgresDatabase(process.env.TEST_POSTGRES_URL!);
  const databaseUrl = database?.url ?? `file:${path.join(tmp, 'tidings.db')}`;

  const migrate = spawnSync(process.execPath, [path.join(ROOT, 'packages/db/dist/cli.js'), 'migrate'], {
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  expect(migrate.status, migrate.stderr).toBe(0);

  const proc = runServiceProcess({
    script: appScript('broker'),
    env: {
      DATABASE_URL: databaseUrl,
      TIDINGS_DATA_DIR: dataDir,
      TIDINGS_HOST: '127.0.0.1',
      TIDINGS_MQTT_PORT: '0',
      TIDINGS_HTTP_PORT: '0',
      TIDINGS_OPS_PORT: '0',
      TIDINGS_OPS_HOST: '127.0.0.1',
      ...env,
    },
  });
  await proc.waitFor('"msg":"ops endpoint listening', 30_000);
  const where = JSON.parse(proc.lines().find((l) => l.includes('"msg":"connect at'))!) as { mqtt: string; websocket: string };
  let stopped: Promise<void> | undefined;
  return {
    proc,
    tmp,
    databaseUrl,
    secretsDir: made.dir,
    dataDir,
    credentials: JSON.parse(readFileSync(path.join(dataDir, 'service-credentials.json'), 'utf8')) as Record<string, string>,
    mqttUrl: where.mqtt,
    mqttPort: Number(new URL(where.mqtt).port),
    httpPort: Number(new URL(where.websocket).port),
    opsPort: opsPortOf(proc),
    stop: () =>
      (stopped ??= (async () => {
        await proc.stop('SIGTERM');
        await database?.drop();
        rmSync(tmp, { recursive: true, force: true });
      })()),
  };
}
