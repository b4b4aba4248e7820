import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTempPostgresDatabase, describeBackends, runServiceProcess, type ServiceProcess, type TempPostgresDatabase } from '@tidings/testkit';
import { afterAll, expect, it } from 'vitest';
import { ROOT, SERVICE_PROCESSES, makeSecrets, parseEnvFile } from './lib.js';

/**
 * The way Compose and Kubernetes run Tidings, without Docker: every process apart, each with its
 * own data directory, the broker holding only make-secrets.mjs's service-credentials.json and
 * each service only its TIDINGS_SERVICE_SECRET (and security-questions its TIDINGS_RECOVERY_KEY)
 * from the files make-secrets.mjs wrote; one database: SQLite, and PostgreSQL (as Compose has it)
 * when TEST_POSTGRES_URL is set.
 */

const script = (name: string) => path.join(ROOT, 'apps', name, 'dist', 'main.js');
const running: ServiceProcess[] = [];
let database: TempPostgresDatabase | undefined;

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop('SIGTERM')));
  await database?.drop();
});

/** The port a process's log says its operations endpoint listens on. */
function opsPort(proc: ServiceProcess): number {
  const line = proc.lines().find((l) => l.includes('"msg":"ops endpoint listening'));
  return (JSON.parse(line ?? '{}') as { port: number }).port;
}

async function healthStatus(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
  } catch {
    return 0;
  }
}

describeBackends('seven processes apart, with the secrets make-secrets.mjs makes', (backend) => {
  it("the broker lets each service in with its own password, and no process needs another's files", { timeout: 90_000 }, async () => {
    const made = makeSecrets();
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'tidings-apart-'));
    const brokerData = path.join(tmp, 'broker');
    mkdirSync(brokerData);
    copyFileSync(path.join(made.dir, 'service-credentials.json'), path.join(brokerData, 'service-credentials.json'));
    const credentials = readFileSync(path.join(brokerData, 'service-credentials.json'), 'utf8');
    if (backend === 'postgres') database = await createTempPostgresDatabase(process.env.TEST_POSTGRES_URL!);
    const DATABASE_URL = database?.url ?? `file:${path.join(tmp, 'tidings.db')}`;

    const migrate = spawnSync(process.execPath, [path.join(ROOT, 'packages/db/dist/cli.js'), 'migrate'], {
      env: { PATH: process.env.PATH, DATABASE_URL },
      encoding: 'utf8',
    });
    expect(migrate.status, migrate.stderr).toBe(0);

    const broker = runServiceProcess({
      script: script('broker'),
      env: {
        DATABASE_URL,
        TIDINGS_DATA_DIR: brokerData,
        TIDINGS_HOST: '127.0.0.1',
        TIDINGS_MQTT_PORT: '0',
        TIDINGS_HTTP_PORT: '0',
        TIDINGS_OPS_PORT: '0',
        TIDINGS_OPS_HOST: '127.0.0.1',
      },
    });
    running.push(broker);
    await broker.waitFor('"msg":"ops endpoint listening', 30_000);
    const connectLine = broker.lines().find((l) => l.includes('"msg":"connect at'));
    const mqttUrl = (JSON.parse(connectLine!) as { mqtt: string }).mqtt;
    expect(mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(await healthStatus(opsPort(broker))).toBe(200);

    const services = SERVICE_PROCESSES.map((name) => {
      const dataDir = path.join(tmp, name);
      mkdirSync(dataDir);
      const proc = runServiceProcess({
        script: script(name),
        env: {
          DATABASE_URL,
          TIDINGS_DATA_DIR: dataDir,
          TIDINGS_MQTT_URL: mqttUrl,
          TIDINGS_OPS_PORT: '0',
          TIDINGS_OPS_HOST: '127.0.0.1',
          ...parseEnvFile(readFileSync(path.join(made.dir, `${name}.env`), 'utf8')),
        },
      });
      running.push(proc);
      return { name, proc, dataDir };
    });
    for (const s of services) await s.proc.waitFor('"msg":"ops endpoint listening', 30_000);
    for (const s of services) await expect.poll(() => healthStatus(opsPort(s.proc)), { timeout: 30_000, message: s.name }).toBe(200);

    // The broker counts them; each service's metrics carry its name.
    await expect
      .poll(async () => {
        const text = await (await fetch(`http://127.0.0.1:${opsPort(broker)}/metrics`)).text();
        return Number(/^tidings_broker_connections\{service="broker"\} (\d+)/m.exec(text)?.[1]);
      })
      .toBeGreaterThanOrEqual(SERVICE_PROCESSES.length);
    for (const s of services) {
      const text = await (await fetch(`http://127.0.0.1:${opsPort(s.proc)}/metrics`)).text();
      expect(text).toMatch(new RegExp(`^process_resident_memory_bytes\\{service="${s.name}"\\} `, 'm'));
    }

    // Nobody wrote a credentials file or a recovery key of its own: the environment was enough.
    for (const s of services) expect(readdirSync(s.dataDir), s.name).toEqual([]);
    expect(readdirSync(brokerData)).toEqual(['service-credentials.json']);
    expect(readFileSync(path.join(brokerData, 'service-credentials.json'), 'utf8')).toBe(credentials);
    // And no secret reached a log.
    const secrets = Object.values(JSON.parse(credentials) as Record<string, string>);
    for (const p of running) for (const secret of secrets) expect(p.output()).not.toContain(secret);

    // A service with another service's password is refused, and says why.
    const wrong = runServiceProcess({
      script: script('likes'),
      env: {
        DATABASE_URL,
        TIDINGS_DATA_DIR: path.join(tmp, 'wrong'),
        TIDINGS_MQTT_URL: mqttUrl,
        TIDINGS_SERVICE_SECRET: (JSON.parse(credentials) as Record<string, string>).auth,
      },
    });
    expect(await wrong.exited).not.toBe(0);
    expect(wrong.output()).toContain("the broker refused the likes service's credentials");

    for (const p of running.splice(0).reverse()) expect(await p.stop('SIGTERM')).toBe(0);
    rmSync(tmp, { recursive: true, force: true });
    await database?.drop();
    database = undefined;
  });
});
