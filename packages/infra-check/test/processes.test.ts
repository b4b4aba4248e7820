import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describeBackends, runServiceProcess, type ServiceProcess } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { appScript, opsPortOf, startBrokerProcess, type BrokerProcess } from './broker-process.js';
import { SERVICE_PROCESSES, parseEnvFile } from './lib.js';

/**
 * The way Compose and Kubernetes run Tidings, without Docker: every process apart, each with its
 * own data directory, the broker holding only make-secrets.mjs's service-credentials.json and
 * each service only its TIDINGS_SERVICE_SECRET (and security-questions its TIDINGS_RECOVERY_KEY)
 * from the files make-secrets.mjs wrote; one database: SQLite, and PostgreSQL (as Compose has it)
 * when TEST_POSTGRES_URL is set.
 */

let broker: BrokerProcess | undefined;
const running: ServiceProcess[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGTERM')));
  await broker?.stop();
  broker = undefined;
});

async function healthStatus(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
  } catch {
    return 0;
  }
}

describeBackends('seven processes apart, with the secrets make-secrets.mjs makes', (backend) => {
  it("the broker lets each service in with its own password, and no process needs another's files", { timeout: 90_000 }, async () => {
    broker = await startBrokerProcess(backend);
    const b = broker;
    const credentialsBefore = readFileSync(path.join(b.dataDir, 'service-credentials.json'), 'utf8');
    expect(await healthStatus(b.opsPort)).toBe(200);

    const services = SERVICE_PROCESSES.map((name) => {
      const dataDir = path.join(b.tmp, name);
      mkdirSync(dataDir);
      const proc = runServiceProcess({
        script: appScript(name),
        env: {
          DATABASE_URL: b.databaseUrl,
          TIDINGS_DATA_DIR: dataDir,
          TIDINGS_MQTT_URL: b.mqttUrl,
          TIDINGS_OPS_PORT: '0',
          TIDINGS_OPS_HOST: '127.0.0.1',
          ...parseEnvFile(readFileSync(path.join(b.secretsDir, `${name}.env`), 'utf8')),
        },
      });
      running.push(proc);
      return { name, proc, dataDir };
    });
    for (const s of services) await s.proc.waitFor('"msg":"ops endpoint listening', 30_000);
    for (const s of services) await expect.poll(() => healthStatus(opsPortOf(s.proc)), { timeout: 30_000, message: s.name }).toBe(200);

    // The broker counts them; each service's metrics carry its name.
    await expect
      .poll(async () => {
        const text = await (await fetch(`http://127.0.0.1:${b.opsPort}/metrics`)).text();
        return Number(/^tidings_broker_connections\{service="broker"\} (\d+)/m.exec(text)?.[1]);
      })
      .toBeGreaterThanOrEqual(SERVICE_PROCESSES.length);
    for (const s of services) {
      const text = await (await fetch(`http://127.0.0.1:${opsPortOf(s.proc)}/metrics`)).text();
      expect(text).toMatch(new RegExp(`^process_resident_memory_bytes\\{service="${s.name}"\\} `, 'm'));
    }

    // Nobody wrote a credentials file or a recovery key of its own: the environment was enough.
    for (const s of services) expect(readdirSync(s.dataDir), s.name).toEqual([]);
    expect(readdirSync(b.dataDir)).toEqual(['service-credentials.json']);
    expect(readFileSync(path.join(b.dataDir, 'service-credentials.json'), 'utf8')).toBe(credentialsBefore);
    // And no secret reached a log.
    for (const p of [b.proc, ...running]) for (const secret of Object.values(b.credentials)) expect(p.output()).not.toContain(secret);

    // A service with another service's password is refused, and says why.
    const wrong = runServiceProcess({
      script: appScript('likes'),
      env: {
        DATABASE_URL: b.databaseUrl,
        TIDINGS_DATA_DIR: path.join(b.tmp, 'wrong'),
        TIDINGS_MQTT_URL: b.mqttUrl,
        TIDINGS_SERVICE_SECRET: b.credentials.auth,
      },
    });
    expect(await wrong.exited).not.toBe(0);
    expect(wrong.output()).toContain("the broker refused the likes service's credentials");

    for (const p of running.splice(0).reverse()) expect(await p.stop('SIGTERM')).toBe(0);
  });
});
