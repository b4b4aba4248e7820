import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SETTINGS, envSchema, settingsReadBy, type SettingName } from '@tidings/service-kit/settings';
import { onTestFinished } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

export const ROOT = path.resolve(import.meta.dirname, '../../..');
export const INFRA = path.join(ROOT, 'infra');

/** The seven processes, as infra/ names them (`node apps/<name>/dist/main.js`). */
export const PROCESSES = ['broker', 'auth', 'chat-store', 'chat-query', 'likes', 'presence', 'security-questions'] as const;
export type ProcessName = (typeof PROCESSES)[number];
export const SERVICE_PROCESSES = PROCESSES.filter((p) => p !== 'broker');

export function read(...parts: string[]): string {
  return readFileSync(path.join(INFRA, ...parts), 'utf8');
}

/** One YAML document (merge keys `<<:` resolved, as Compose does). */
export function readYaml<T>(...parts: string[]): T {
  return parse(read(...parts), { merge: true }) as T;
}

/** Every document of a YAML file. */
export function readYamlDocuments<T>(...parts: string[]): T[] {
  return parseAllDocuments(read(...parts), { merge: true }).map((d) => {
    if (d.errors.length) throw new Error(`${parts.join('/')}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as T;
  });
}

export function isSetting(name: string): name is SettingName {
  return Object.hasOwn(SETTINGS, name);
}

/** The settings a process reads (a service: its own and every service's). */
export function readBy(process: ProcessName): SettingName[] {
  return settingsReadBy(process);
}

/**
 * Problems with an environment a process is given: a variable that is not a setting, one the
 * process does not read, or a value its schema refuses (the one line the process would print).
 */
export function environmentProblems(process: ProcessName | 'migrate', env: Record<string, string>): string[] {
  const problems: string[] = [];
  const reads = process === 'migrate' ? settingsReadBy('migrate') : readBy(process);
  for (const name of Object.keys(env)) {
    if (!isSetting(name)) problems.push(`${name} is not a setting (packages/service-kit/src/settings.ts)`);
    else if (!reads.includes(name)) problems.push(`${process} does not read ${name}`);
  }
  const known = Object.keys(env).filter(isSetting);
  const checked = envSchema(...known).safeParse(env);
  if (!checked.success) for (const issue of checked.error.issues) problems.push(`${String(issue.path[0])}: ${issue.message}`);
  return problems;
}

/** A `KEY=value` env file (systemd's EnvironmentFile, Compose's env_file): the variables set in it. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export interface MadeSecrets {
  dir: string;
  files: string[];
  stdout: string;
  stderr: string;
  status: number | null;
}

/** Runs infra/make-secrets.mjs into a new temporary directory (removed after the test). */
export function makeSecrets(...args: string[]): MadeSecrets {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'tidings-secrets-'));
  onTestFinished(() => rmSync(parent, { recursive: true, force: true }));
  const dir = path.join(parent, 'secrets');
  const run = spawnSync(process.execPath, [path.join(INFRA, 'make-secrets.mjs'), dir, ...args], { encoding: 'utf8' });
  let files: string[] = [];
  try {
    files = readdirSync(dir).sort();
  } catch {
    // nothing made
  }
  return { dir, files, stdout: run.stdout, stderr: run.stderr, status: run.status };
}

/** Whether a program is on PATH (for the checks that need haproxy, systemd-analyze, kubectl). */
export function hasProgram(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}
