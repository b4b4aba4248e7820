import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INFRA, PROCESSES, ROOT, SERVICE_PROCESSES, environmentProblems, hasProgram, makeSecrets, parseEnvFile, read, readBy, readYaml } from './lib.js';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  secrets?: (string | { source: string; target: string })[];
  ports?: string[];
  profiles?: string[];
  volumes?: string[];
  deploy?: { replicas?: number };
  read_only?: boolean;
  cap_drop?: string[];
}
interface Compose {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
}

const compose = readYaml<Compose>('compose', 'compose.yaml');
const composeDir = path.join(INFRA, 'compose');
const OPS_PORT = '9470';

/** What a process gets from its env files, as make-secrets.mjs writes them. */
function envFromFiles(service: ComposeService, secretsDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const f of service.env_file ?? []) {
    expect(f.startsWith('secrets/'), `${f} is one of make-secrets.mjs's files`).toBe(true);
    Object.assign(env, parseEnvFile(readFileSync(path.join(secretsDir, path.basename(f)), 'utf8')));
  }
  return env;
}

describe('the Compose file', () => {
  it('runs the seven processes, the migration, PostgreSQL, Redis and HAProxy', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...PROCESSES, 'migrate', 'postgres', 'haproxy', 'redis'].sort());
    for (const name of ['postgres', 'haproxy', 'redis', ...PROCESSES, 'migrate']) expect(compose.services[name]?.profiles, name).toBeUndefined();
    expect(compose.services.redis?.healthcheck?.test).toContain('ping');
  });

  it.each(PROCESSES)('%s runs its main.js from the one image built from infra/Dockerfile', (name) => {
    const s = compose.services[name]!;
    expect(s.command).toEqual(['node', `apps/${name}/dist/main.js`]);
    expect(existsSync(path.join(ROOT, 'apps', name, 'src', 'main.ts'))).toBe(true);
    expect(s.image).toBe('tidings:local');
    expect(s.build).toEqual({ context: '../..', dockerfile: 'infra/Dockerfile' });
    expect(path.resolve(composeDir, s.build!.context, s.build!.dockerfile)).toBe(path.join(INFRA, 'Dockerfile'));
    expect(s.read_only).toBe(true);
    expect(s.cap_drop).toEqual(['ALL']);
    // Two of every process: a broker cluster, a leader and a standby of each service.
    expect(s.deploy?.replicas).toBe(2);
  });

  it('the migration runs the database CLI after PostgreSQL is healthy; the broker waits for it', () => {
    const migrate = compose.services.migrate!;
    expect(migrate.command).toEqual(['node', 'packages/db/dist/cli.js', 'migrate']);
    expect(readFileSync(path.join(ROOT, 'packages/db/src/cli.ts'), 'utf8')).toContain("command === 'migrate'");
    expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(migrate.image).toBe('tidings:local');
    expect(compose.services.broker!.depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' }, redis: { condition: 'service_healthy' } });
    expect(compose.services.postgres!.healthcheck?.test).toContain('pg_isready');
  });

  it.each(SERVICE_PROCESSES)('%s waits for the migration, Redis and HAProxy, reaches the brokers through HAProxy, and runs as leader and standby', (name) => {
    const s = compose.services[name]!;
    expect(s.depends_on).toEqual({
      migrate: { condition: 'service_completed_successfully' },
      haproxy: { condition: 'service_started' },
      redis: { condition: 'service_healthy' },
    });
    // The brokers take only connections that start with a PROXY header, which HAProxy adds.
    expect(compose.services.broker!.environment!.TIDINGS_PROXY_PROTOCOL).toBe('on');
    expect(s.environment?.TIDINGS_MQTT_URL).toBe(`mqtt://haproxy:${compose.services.haproxy!.ports![0]!.split(':')[1]}`);
    expect(s.environment?.TIDINGS_STANDBY).toBe('on');
    expect(s.env_file).toEqual(['secrets/database.env', `secrets/${name}.env`]);
  });

  it.each(PROCESSES)('%s shares Redis when it counts limits (the broker: its cluster state)', (name) => {
    const s = compose.services[name]!;
    expect(s.environment?.TIDINGS_REDIS_URL).toBe(readBy(name).includes('TIDINGS_REDIS_URL') ? 'redis://redis:6379' : undefined);
  });

  it.each(PROCESSES)('%s is given only settings it reads, with values it accepts (its secrets included)', (name) => {
    const made = makeSecrets();
    const s = compose.services[name]!;
    const env = { ...envFromFiles(s, made.dir), ...s.environment };
    expect(environmentProblems(name, env)).toEqual([]);
    expect(env.DATABASE_URL).toMatch(/^postgresql:\/\/tidings:[^@]+@postgres:5432\/tidings$/);
    if (name !== 'broker') expect(env.TIDINGS_SERVICE_SECRET).toBeDefined();
  });

  it('the migration and PostgreSQL get the database URL and the password make-secrets.mjs made together', () => {
    const made = makeSecrets();
    expect(environmentProblems('migrate', envFromFiles(compose.services.migrate!, made.dir))).toEqual([]);
    const postgres = compose.services.postgres!;
    expect(postgres.secrets).toEqual(['postgres-password']);
    expect(postgres.environment).toMatchObject({ POSTGRES_USER: 'tidings', POSTGRES_DB: 'tidings', POSTGRES_PASSWORD_FILE: '/run/secrets/postgres-password' });
    for (const [name, secret] of Object.entries(compose.secrets)) {
      expect(secret.file.startsWith('secrets/'), name).toBe(true);
      expect(made.files, name).toContain(path.basename(secret.file));
    }
  });

  it("the broker finds the services' passwords in its data directory", () => {
    const broker = compose.services.broker!;
    const dataDir = broker.environment!.TIDINGS_DATA_DIR!;
    expect(broker.secrets).toEqual([{ source: 'service-credentials', target: path.posix.join(dataDir, 'service-credentials.json') }]);
    expect(compose.secrets['service-credentials']).toEqual({ file: 'secrets/service-credentials.json' });
  });

  it.each(PROCESSES)('%s serves /healthz on its operations port, which its health check asks', (name) => {
    const s = compose.services[name]!;
    expect(s.environment).toMatchObject({ TIDINGS_OPS_PORT: OPS_PORT, TIDINGS_OPS_HOST: '0.0.0.0' });
    expect(s.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${OPS_PORT}/healthz`);
  });

  it('HAProxy publishes the four public ports and starts after a healthy broker', () => {
    const haproxy = compose.services.haproxy!;
    expect(haproxy.ports).toEqual(['1883:1883', '8883:8883', '80:80', '443:443']);
    expect(haproxy.depends_on).toEqual({ broker: { condition: 'service_healthy' } });
    const [source, target] = haproxy.volumes![0]!.split(':');
    expect(path.resolve(composeDir, source!)).toBe(path.join(INFRA, 'haproxy', 'haproxy.cfg'));
    expect(target).toBe('/usr/local/etc/haproxy/haproxy.cfg');
  });

  it('the Prometheus example scrapes every process at its Compose name and operations port', () => {
    const prometheus = readYaml<{ scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[] }>('prometheus', 'prometheus.yml');
    const job = prometheus.scrape_configs.find((c) => c.job_name === 'tidings-compose');
    expect(job?.static_configs?.flatMap((s) => s.targets).sort()).toEqual(PROCESSES.map((p) => `${p}:${OPS_PORT}`).sort());
  });
});

describe('the Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('installs with the pnpm of package.json from the lockfile, on the Node the repository asks for', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { packageManager: string; engines: { node: string } };
    expect(dockerfile).toContain(`npm install -g ${pkg.packageManager}`);
    expect(dockerfile).toContain('pnpm install --frozen-lockfile');
    const major = /(\d+)/.exec(pkg.engines.node)![1];
    expect(dockerfile.match(/^FROM node:(\d+)/gm)?.map((l) => l.replace('FROM node:', ''))).toEqual([major, major]);
  });

  it('leaves node_modules, dist and the secrets out of the build context', () => {
    const ignore = read('Dockerfile.dockerignore').split('\n');
    for (const entry of ['**/node_modules', '**/dist', 'data', '.git', 'infra/compose/secrets', 'infra/compose/tls', '.env']) expect(ignore).toContain(entry);
  });

  it('runs as the unprivileged user node', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});

/** The frontends (bind port → backend) and backends (server address, health check port) of haproxy.cfg. */
function haproxyConfig(text: string) {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trimEnd();
    if (!line.trim()) continue;
    if (/^\S/.test(line) && !line.startsWith('.')) {
      current = [];
      sections.set(line.trim(), current);
    } else current?.push(line.trim());
  }
  const frontends = new Map<string, { port: string; backend: string }>();
  const backends = new Map<string, { server: string; count: number; options: string[]; lines: string[] }>();
  for (const [head, lines] of sections) {
    const [kind, name] = head.split(/\s+/);
    if (kind === 'frontend') {
      frontends.set(name!, {
        port: /^bind :(\d+)$/.exec(lines.find((l) => l.startsWith('bind'))!)![1]!,
        backend: lines.find((l) => l.startsWith('default_backend'))!.split(/\s+/)[1]!,
      });
    }
    const server = lines.find((l) => l.startsWith('server-template '))?.split(/\s+/);
    if (kind === 'backend' && server) backends.set(name!, { server: server[3]!, count: Number(server[2]), options: server.slice(4), lines });
  }
  return { sections, frontends, backends };
}

describe('haproxy.cfg', () => {
  const text = read('haproxy', 'haproxy.cfg');
  const { sections, frontends, backends } = haproxyConfig(text);
  const broker = compose.services.broker!.environment!;

  it('sends MQTT, MQTT/TLS, HTTP and HTTPS to the broker ports that speak them', () => {
    const routes = Object.fromEntries([...frontends.values()].map((f) => [f.port, backends.get(f.backend)?.server]));
    expect(routes).toEqual({
      '1883': `broker:${broker.TIDINGS_MQTT_PORT}`,
      '8883': `broker:${broker.TIDINGS_MQTTS_PORT}`,
      '80': `broker:${broker.TIDINGS_HTTP_PORT}`,
      '443': `broker:${broker.TIDINGS_HTTP_PORT}`,
    });
  });

  it('balances over as many brokers as Compose runs, each told the client by a PROXY v2 header', () => {
    expect(backends.size).toBe(4);
    for (const [name, b] of backends) {
      expect(b.count, name).toBe(compose.services.broker!.deploy?.replicas);
      expect(b.options, name).toEqual(['send-proxy-v2']);
    }
    expect(sections.get('defaults')).toContain('balance leastconn');
  });

  it("checks every backend with GET /healthz on the broker's operations port", () => {
    const defaults = sections.get('defaults')!;
    expect(defaults.find((l) => l.startsWith('default-server'))).toContain(`check port ${broker.TIDINGS_OPS_PORT}`);
    for (const [name, b] of backends) {
      expect(b.lines, name).toContain('option httpchk');
      expect(b.lines, name).toContain('http-check send meth GET uri /healthz');
      expect(b.lines, name).toContain('http-check expect status 200');
    }
  });

  it('caps connection attempts per client address on every port (the brokers, told the address, cap them too)', () => {
    expect(broker.TIDINGS_MAX_CONNECTS_PER_MINUTE).toBeUndefined();
    for (const [name, f] of frontends) {
      const lines = sections.get(`frontend ${name}`)!;
      expect(lines, f.port).toContain('tcp-request connection track-sc0 src table connect_rate');
      expect(lines, f.port).toContain('tcp-request connection reject if { sc0_conn_rate(connect_rate) gt 30 }');
    }
  });

  const available = hasProgram('haproxy');
  if (!available) console.log('haproxy is not installed: skipping `haproxy -c` on infra/haproxy/haproxy.cfg (apt-get install haproxy; .ci/run installs it)');

  it.skipIf(!available).each([
    ['plain HTTP on 80', {}],
    ['TLS at the broker (BROKER_TLS: 80 redirects)', { BROKER_TLS: '1' }],
  ])('haproxy -c accepts it: %s', (_, extra: Record<string, string>) => {
    const run = spawnSync('haproxy', ['-c', '-f', path.join(INFRA, 'haproxy', 'haproxy.cfg')], { encoding: 'utf8', env: { ...process.env, ...extra } });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Configuration file is valid');
    // The one warning allowed: `broker` does not resolve outside Docker's network.
    const warnings = run.stderr.split('\n').filter((l) => /\[(WARNING|ALERT)\]/.test(l) && !/could not resolve address 'broker'/.test(l));
    expect(warnings).toEqual([]);
  });

  it.skipIf(!available)('haproxy -c refuses a broken copy (the check can fail)', () => {
    const run = spawnSync('haproxy', ['-c', '-f', '/dev/stdin'], { encoding: 'utf8', input: text.replace('mode tcp', 'mode sideways') });
    expect(run.status).not.toBe(0);
  });
});
