import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONFIG_EXIT_CODE, SETTINGS, settingsReadBy, type SettingName } from '@tidings/service-kit/settings';
import { describe, expect, it, onTestFinished } from 'vitest';
import { INFRA, PROCESSES, ROOT, SERVICE_PROCESSES, environmentProblems, hasProgram, read, readBy, readYaml, type ProcessName } from './lib.js';

/** A unit file's settings: section → key → every value given (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!m || !current) throw new Error(`not a unit line: ${line}`);
    current.set(m[1]!, [...(current.get(m[1]!) ?? []), m[2]!]);
  }
  return sections;
}

const unitFile = (name: string) => path.join(INFRA, 'systemd', `tidings-${name}.service`);
const unit = (name: ProcessName) => parseUnit(readFileSync(unitFile(name), 'utf8'));
const one = (u: Map<string, Map<string, string[]>>, section: string, key: string) => u.get(section)?.get(key)?.at(-1);

/** Hardening every unit has (systemd.exec(5)); MemoryDenyWriteExecute is left out on purpose (V8's JIT). */
const HARDENING: Record<string, string> = {
  NoNewPrivileges: 'true',
  ProtectSystem: 'strict',
  ProtectHome: 'true',
  PrivateTmp: 'true',
  PrivateDevices: 'true',
  ProtectKernelTunables: 'true',
  ProtectKernelModules: 'true',
  ProtectControlGroups: 'true',
  RestrictSUIDSGID: 'true',
  RestrictNamespaces: 'true',
  LockPersonality: 'true',
  SystemCallArchitectures: 'native',
  UMask: '0077',
};

/** The settings some process reads (the broker, a service, the migration): what tidings.env lists. */
function processSettings(): SettingName[] {
  const names = new Set<SettingName>();
  for (const p of PROCESSES) for (const n of readBy(p)) names.add(n);
  for (const n of settingsReadBy('migrate')) names.add(n);
  return [...names];
}

describe('the systemd units', () => {
  it('there is one for each of the seven processes, and nothing else', () => {
    const units = readdirSync(path.join(INFRA, 'systemd')).filter((f) => f.endsWith('.service'));
    expect(units.sort()).toEqual(PROCESSES.map((p) => `tidings-${p}.service`).sort());
  });

  it.each(PROCESSES)('%s runs its main.js as tidings, with the environment file, not restarted after exit code 2', (name) => {
    const u = unit(name);
    expect(one(u, 'Service', 'ExecStart')).toBe(`/usr/bin/node /opt/tidings/apps/${name}/dist/main.js`);
    expect(readFileSync(path.join(ROOT, 'apps', name, 'src', 'main.ts'), 'utf8').length).toBeGreaterThan(0);
    expect(one(u, 'Service', 'User')).toBe('tidings');
    expect(one(u, 'Service', 'Restart')).toBe('on-failure');
    expect(CONFIG_EXIT_CODE).toBe(2);
    expect(one(u, 'Service', 'RestartPreventExitStatus')).toBe(String(CONFIG_EXIT_CODE));
    expect(u.get('Service')?.get('EnvironmentFile')).toEqual(['/etc/tidings/tidings.env', `-/etc/tidings/${name}.env`]);
    expect(one(u, 'Service', 'StateDirectory')).toBe('tidings');
    for (const [key, value] of Object.entries(HARDENING)) expect(one(u, 'Service', key), key).toBe(value);
    expect(u.get('Service')?.has('MemoryDenyWriteExecute')).toBe(false);
    expect(one(u, 'Unit', 'PartOf')).toBe('tidings.target');
    expect(one(u, 'Install', 'WantedBy')).toBe('tidings.target');
  });

  it.each(SERVICE_PROCESSES)('%s starts after the broker, wants it, and has no capability', (name) => {
    const u = unit(name);
    expect(one(u, 'Unit', 'After')?.split(/\s+/)).toContain('tidings-broker.service');
    expect(one(u, 'Unit', 'Wants')?.split(/\s+/)).toContain('tidings-broker.service');
    expect(one(u, 'Service', 'CapabilityBoundingSet')).toBe('');
    expect(u.get('Service')?.has('ExecStartPre')).toBe(false);
  });

  it('the broker migrates the database before it starts, and may only bind low ports', () => {
    const u = unit('broker');
    expect(one(u, 'Service', 'ExecStartPre')).toBe('/usr/bin/node /opt/tidings/packages/db/dist/cli.js migrate');
    expect(one(u, 'Service', 'CapabilityBoundingSet')).toBe('CAP_NET_BIND_SERVICE');
    expect(one(u, 'Unit', 'After')).not.toContain('tidings-broker');
  });

  it('every process has its own operations port, and the Prometheus example scrapes exactly those', () => {
    const ports = PROCESSES.map((name) => {
      const env = unit(name).get('Service')?.get('Environment') ?? [];
      const port = env.map((e) => /^TIDINGS_OPS_PORT=(\d+)$/.exec(e)?.[1]).find(Boolean);
      expect(port, `${name} sets TIDINGS_OPS_PORT`).toBeDefined();
      expect(environmentProblems(name, { TIDINGS_OPS_PORT: port! })).toEqual([]);
      return `127.0.0.1:${port}`;
    });
    expect(new Set(ports).size).toBe(PROCESSES.length);
    const prometheus = readYaml<{ scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[] }>('prometheus', 'prometheus.yml');
    const job = prometheus.scrape_configs.find((c) => c.job_name === 'tidings-systemd');
    expect(job?.static_configs?.flatMap((s) => s.targets).sort()).toEqual(ports.sort());
  });

  it('tidings.target wants all seven, so starting it starts them', () => {
    const target = parseUnit(read('systemd', 'tidings.target'));
    expect(one(target, 'Unit', 'Wants')?.split(/\s+/).sort()).toEqual(PROCESSES.map((p) => `tidings-${p}.service`).sort());
    expect(one(target, 'Install', 'WantedBy')).toBe('multi-user.target');
  });
});

describe('tidings.env, the environment reference', () => {
  const lines = read('systemd', 'tidings.env').split('\n');
  /** `NAME=value` or `# NAME=value` lines: the variable, its value, whether it is set. */
  const entries = lines.flatMap((line) => {
    const m = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    return m ? [{ name: m[2]!, value: m[3]!, set: !m[1] }] : [];
  });

  it('names every variable the processes read, each once, and nothing else', () => {
    const names = entries.map((e) => e.name);
    expect(new Set(names).size, 'a variable is listed twice').toBe(names.length);
    expect(names.sort()).toEqual(processSettings().sort());
  });

  it('gives each a value its process accepts (what is set, and the commented-out defaults)', () => {
    for (const e of entries) {
      const readers = PROCESSES.filter((p) => readBy(p).includes(e.name as SettingName));
      const reader = readers[0] ?? 'migrate';
      expect(environmentProblems(reader, { [e.name]: e.value }), `${e.name}=${e.value}`).toEqual([]);
    }
  });

  it('shows the real default where a variable is commented out and has a plain one', () => {
    for (const e of entries.filter((x) => !x.set && x.value !== '')) {
      const literal = /^`([^`<$]+)`$/.exec(SETTINGS[e.name as SettingName].default)?.[1];
      if (literal !== undefined) expect(e.value, e.name).toBe(literal);
    }
  });

  it('sets no secret and no per-process port (they belong in /etc/tidings/<process>.env)', () => {
    for (const name of ['TIDINGS_SERVICE_SECRET', 'TIDINGS_RECOVERY_KEY', 'TIDINGS_OPS_PORT']) {
      expect(entries.find((e) => e.name === name)).toMatchObject({ set: false, value: '' });
    }
  });
});

describe('systemd-analyze', () => {
  const available = hasProgram('systemd-analyze');
  if (!available) console.log('systemd-analyze is not installed: skipping the verification of the units by systemd itself');

  /** The units in a temporary directory, with ExecStart's node where this machine has it. */
  function copies(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-units-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(path.join(INFRA, 'systemd'), dir, { recursive: true });
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.service'))) {
      const file = path.join(dir, f);
      writeFileSync(file, readFileSync(file, 'utf8').replaceAll('/usr/bin/node ', `${process.execPath} `));
    }
    return dir;
  }

  it.skipIf(!available)('verify finds nothing to say about any unit or the target', () => {
    const dir = copies();
    const files = readdirSync(dir)
      .filter((f) => /\.(service|target)$/.test(f))
      .map((f) => path.join(dir, f));
    const run = spawnSync('systemd-analyze', ['verify', '--man=no', ...files], { encoding: 'utf8' });
    expect(run.stderr.split('\n').filter((l) => l.trim() && !/^\s*$/.test(l))).toEqual([]);
    expect(run.status).toBe(0);
  });

  // `security --offline` reads unit files that are not installed: systemd 250 and later.
  const offline = available && spawnSync('systemd-analyze', ['--help'], { encoding: 'utf8' }).stdout.includes('--offline');
  if (available && !offline) console.log('systemd-analyze has no --offline (systemd < 250): skipping the security rating of the units');

  it.skipIf(!offline)('security rates every unit "OK" or better (exposure at most 3.0 of 10)', () => {
    const dir = copies();
    for (const name of PROCESSES) {
      const run = spawnSync('systemd-analyze', ['security', '--offline=true', path.join(dir, `tidings-${name}.service`)], { encoding: 'utf8' });
      const level = /Overall exposure level for [^:]+: ([\d.]+)/.exec(run.stdout)?.[1];
      expect(level, `${name}: ${run.stdout.slice(-300)}${run.stderr}`).toBeDefined();
      expect(Number(level), name).toBeLessThanOrEqual(3);
    }
  });
});
