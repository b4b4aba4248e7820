#!/usr/bin/env node
// Runs the whole of Tidings on one machine: migrates the database, starts the broker, waits
// until it is healthy, then starts every service that exists, each as its own process.
// Ctrl-C (or SIGTERM, SIGHUP) stops the services first, then the broker; a second one kills what
// still runs. `pnpm start` builds first.
//
// Supervision: a process that stops by itself is started again after 0.5 s, 1 s, 2 s, … — at most
// 5 times a minute, then a service is left stopped (the rest goes on) and a broker stops everything.
// One that exits with code 2 (its settings are bad) is not started again.
// A restarted broker is the same broker on the same ports: the services are not restarted for it,
// they reconnect by themselves within about a second (service-kit) and the stack says when they have.
// Every child runs in a process group of its own, so the terminal's Ctrl-C (SIGINT to the whole
// foreground group) reaches only this process, which stops them in order, once; and each holds an
// IPC channel to it, so if this process dies — even by SIGKILL — they stop by themselves (runMain).
//
// Settings (environment): README.md's Configuration table, generated from packages/service-kit's
// settings table, which this checks first (a bad value: one line, exit code 2). The launcher itself
// reads TIDINGS_MQTT_PORT, TIDINGS_HTTP_PORT, TIDINGS_MQTTS_PORT, TIDINGS_TLS_CERT/KEY, TIDINGS_HOST,
// TIDINGS_DATA_DIR, DATABASE_URL and TIDINGS_LOG_FORMAT.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const root = path.resolve(import.meta.dirname, '..');
const SERVICES = ['auth', 'chat-store', 'chat-query', 'likes', 'presence', 'security-questions'];

// The output format first, so that a bad setting is reported in it.
const format = process.env.TIDINGS_LOG_FORMAT;
const pretty = format === 'pretty' || (format !== 'json' && Boolean(process.stdout.isTTY));

// Every setting the launcher, the broker or a service reads, checked once here with the same table
// they use (packages/service-kit/src/settings.ts): a bad one stops everything before anything starts,
// in one line naming it, with exit code 2 — rather than a process failing its start again and again.
const { CONFIG_EXIT_CODE, SETTINGS, envSchema, settingsProblem } = await import(path.join(root, 'packages/service-kit/dist/settings.js'));
const names = Object.keys(SETTINGS).filter((n) => SETTINGS[n].readBy.some((reader) => reader !== 'cli'));
const checked = envSchema(...names).safeParse(process.env);
if (!checked.success) fail(settingsProblem(checked.error.issues, process.env), CONFIG_EXIT_CODE);
const settings = checked.data;
if ((settings.TIDINGS_TLS_CERT === undefined) !== (settings.TIDINGS_TLS_KEY === undefined))
  fail('set both TIDINGS_TLS_CERT and TIDINGS_TLS_KEY, or neither', CONFIG_EXIT_CODE);

const env = { ...process.env, TIDINGS_DATA_DIR: settings.TIDINGS_DATA_DIR };
const mqttPort = settings.TIDINGS_MQTT_PORT;
const httpPort = settings.TIDINGS_HTTP_PORT;
const tls = settings.TIDINGS_TLS_CERT !== undefined;
const mqttsPort = settings.TIDINGS_MQTTS_PORT;
const host = settings.TIDINGS_HOST;

/**
 * One line of the launcher's own: on a terminal `tidings <message>`; in JSON the shape of the
 * processes' pino lines, written by service `stack`, with `fields` naming what the line is about
 * (`subject`: the process it concerns). Every key once: fields never repeat the fixed ones.
 */
function jsonLine(level, message, fields = {}) {
  return JSON.stringify({ level, time: Date.now(), pid: process.pid, service: 'stack', name: 'stack', ...fields, msg: message });
}

function say(message, fields = {}) {
  process.stdout.write(pretty ? `\x1b[1mtidings\x1b[0m ${message}\n` : `${jsonLine(30, message, fields)}\n`);
}

/** An error of the launcher's own, on stderr. */
function shout(message, fields = {}) {
  process.stderr.write(pretty ? `tidings: ${message}\n` : `${jsonLine(60, message, fields)}\n`);
}

function fail(message, code = 1) {
  shout(message);
  process.exit(code);
}

/** Resolves when nothing listens on the port; rejects with a message naming the variable. */
function checkPortFree(port, variable) {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} is already in use: set ${variable} to a free port (e.g. ${variable}=${port + 10000})`
            : `cannot listen on port ${port} (${variable}): ${err.message}`,
        ),
      ),
    );
    server.listen({ port, host }, () => server.close(() => resolve()));
  });
}

const LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const COLOURS = { 10: 90, 20: 90, 30: 32, 40: 33, 50: 31, 60: 31 };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'name', 'service', 'msg']);

function parseJsonLine(line) {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line);
    return entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? entry : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A line a process wrote, as the launcher passes it on: on a terminal a JSON log line becomes a
 * short human line; in JSON it passes unchanged, and anything else (a crash's stack trace, a
 * warning of Node's) becomes a JSON line of the stack's naming the process as its `subject`.
 */
function formatLine(name, line, stream) {
  const entry = parseJsonLine(line);
  if (!pretty) return entry ? line : jsonLine(stream === 'stderr' ? 50 : 30, line, { subject: name, stream });
  if (!entry) return `${name.padEnd(18)} ${line}`;
  const time = new Date(entry.time ?? Date.now()).toTimeString().slice(0, 8);
  const extra = Object.entries(entry)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(' ');
  const level = `\x1b[${COLOURS[entry.level] ?? 0}m${(LEVELS[entry.level] ?? entry.level).toString().padEnd(5)}\x1b[0m`;
  return `\x1b[90m${time}\x1b[0m ${name.padEnd(18)} ${level} ${entry.msg ?? ''}${extra ? ` \x1b[90m${extra}\x1b[0m` : ''}`;
}

const children = new Map(); // name → { proc, restarts: number[] }
let stopping = false;
const started = [];

/** At most this many restarts of one process within a minute; the delay doubles from 0.5 s. */
const MAX_RESTARTS = 5;

function start(name, script) {
  const proc = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
  for (const [stream, input] of [
    ['stdout', proc.stdout],
    ['stderr', proc.stderr],
  ]) {
    readline.createInterface({ input }).on('line', (line) => process.stdout.write(`${formatLine(name, line, stream)}\n`));
  }
  const entry = children.get(name) ?? { restarts: [] };
  entry.proc = proc;
  children.set(name, entry);
  proc.on('exit', (code, signal) => {
    if (stopping) return;
    const why = signal ?? `exit ${code}`;
    if (code === CONFIG_EXIT_CODE) {
      // Its settings are bad (its one line says which): a restart would fail the same way.
      if (name === 'broker') {
        say('the broker refused its settings (see the line above); stopping everything', { subject: name, why });
        void stopAll(CONFIG_EXIT_CODE);
      } else say(`${name} refused its settings (see the line above); not restarting it. The rest goes on.`, { subject: name, why });
      return;
    }
    const now = Date.now();
    entry.restarts = entry.restarts.filter((t) => now - t < 60_000);
    if (entry.restarts.length >= MAX_RESTARTS) {
      if (name === 'broker') {
        say(`the broker keeps failing (${why}; ${MAX_RESTARTS} restarts within a minute); stopping everything`, { subject: name, why });
        void stopAll(1);
      } else {
        say(`${name} keeps failing (${why}); not restarting it again. The rest goes on.`, { subject: name, why });
      }
      return;
    }
    entry.restarts.push(now);
    const delay = 500 * 2 ** (entry.restarts.length - 1);
    if (name === 'broker') {
      say(`the broker stopped (${why}); restarting it in ${delay} ms — the services stay up and reconnect by themselves`, {
        subject: name,
        why,
        delayMs: delay,
      });
      setTimeout(() => !stopping && void restartBroker(script), delay);
    } else {
      say(`${name} stopped (${why}); restarting in ${delay} ms`, { subject: name, why, delayMs: delay });
      setTimeout(() => !stopping && start(name, script), delay);
    }
  });
  return proc;
}

/** Starts the broker again and says when it, and then every service, is back. */
async function restartBroker(script) {
  const proc = start('broker', script);
  try {
    await waitForHealth(20_000);
  } catch {
    return; // it stopped again: its exit handler restarts it or gives up
  }
  say(`the broker is back (pid ${proc.pid})`, { subject: 'broker', subjectPid: proc.pid });
  const late = await waitForServices(started, 15_000);
  if (stopping || children.get('broker').proc !== proc) return;
  if (late.length === 0) say('every service is connected again');
  else say(`still waiting for ${late.join(', ')} to reconnect (see the log above)`, { waitingFor: late });
}

async function waitForHealth(timeoutMs) {
  const url = healthUrl;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited(children.get('broker').proc)) throw new Error('the broker exited while starting (see its log above)');
    if (await health(url)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`the broker did not become healthy at ${url} within ${timeoutMs / 1000} s`);
}

/** GET /healthz → its JSON, or null; the certificate is not checked: this is our own broker on loopback. */
function health(url) {
  const get = tls ? https.get : http.get;
  return new Promise((resolve) => {
    const req = get(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? JSON.parse(body) : null);
        } catch {
          resolve(null);
        }
      });
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => req.destroy());
  });
}

const healthUrl = `${tls ? 'https' : 'http'}://127.0.0.1:${httpPort}/healthz`;

/** Waits until every started service reports `up` on the broker's health endpoint. */
async function waitForServices(names, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let missing = names;
  while (Date.now() < deadline) {
    const h = await health(healthUrl);
    missing = names.filter((n) => h?.services?.[n] !== 'up');
    if (missing.length === 0) return [];
    await new Promise((r) => setTimeout(r, 200));
  }
  return missing;
}

function exited(proc) {
  return proc.exitCode !== null || proc.signalCode !== null;
}

async function stopOne(name) {
  const proc = children.get(name)?.proc;
  if (!proc || exited(proc)) return;
  await new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    // 'close', not 'exit': its last log lines have been passed on by then.
    proc.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

async function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  await Promise.all([...children.keys()].filter((n) => n !== 'broker').map(stopOne));
  await stopOne('broker');
  say('stopped');
  process.exit(code);
}

/** The first signal stops everything in order; a second kills what still runs and exits at once. */
function onSignal(signal) {
  if (!stopping) return void stopAll(0);
  say(`${signal} again: killing what still runs`);
  for (const { proc } of children.values()) if (proc && !exited(proc)) proc.kill('SIGKILL');
  process.exit(128 + os.constants.signals[signal]);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);

// 1. ports and data directory
try {
  await checkPortFree(mqttPort, 'TIDINGS_MQTT_PORT');
  await checkPortFree(httpPort, 'TIDINGS_HTTP_PORT');
  if (tls) await checkPortFree(mqttsPort, 'TIDINGS_MQTTS_PORT');
} catch (err) {
  fail(err.message);
}
mkdirSync(env.TIDINGS_DATA_DIR, { recursive: true });

// 2. database
const { migrate, defaultDatabaseUrl, redactUrl } = await import(path.join(root, 'packages/db/dist/index.js'));
env.DATABASE_URL ||= defaultDatabaseUrl(env.TIDINGS_DATA_DIR);
try {
  const { applied } = await migrate(env.DATABASE_URL);
  say(`database ${redactUrl(env.DATABASE_URL)}${applied.length ? `: applied ${applied.join(', ')}` : ' is up to date'}`, {
    db: redactUrl(env.DATABASE_URL),
    applied,
  });
} catch (err) {
  fail(`could not migrate ${redactUrl(env.DATABASE_URL)}: ${err.message}`);
}

// 3. broker, then the services
start('broker', path.join(root, 'apps/broker/dist/main.js'));
try {
  await waitForHealth(20_000);
} catch (err) {
  shout(err.message);
  await stopAll(1);
}
for (const name of SERVICES) {
  const script = path.join(root, 'apps', name, 'dist/main.js');
  if (!existsSync(script)) continue;
  start(name, script);
  started.push(name);
}

const late = await waitForServices(started, 60_000);
if (late.length > 0) say(`still waiting for ${late.join(', ')} (see the log above); starting anyway`, { waitingFor: late });

const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
const web = existsSync(path.join(root, 'apps/web/dist/index.html'));
const where = {
  ...(web ? { web: `${tls ? 'https' : 'http'}://${shown}:${httpPort}/` } : {}),
  mqtt: `mqtt://${shown}:${mqttPort}`,
  websocket: `${tls ? 'wss' : 'ws'}://${shown}:${httpPort}/mqtt`,
  ...(tls ? { mqtts: `mqtts://${shown}:${mqttsPort}` } : {}),
  health: `${tls ? 'https' : 'http'}://${shown}:${httpPort}/healthz`,
  data: env.TIDINGS_DATA_DIR,
};
const running = `running: broker + ${started.join(', ')}`;
if (!pretty) say(running, { processes: ['broker', ...started], ...where });
else
  say(
    [
      running,
      ...(where.web ? [`  web app    ${where.web}`] : []),
      `  MQTT       ${where.mqtt}`,
      `  WebSocket  ${where.websocket}`,
      ...(where.mqtts ? [`  MQTT/TLS   ${where.mqtts}`] : []),
      `  health     ${where.health}`,
      `  data       ${where.data}`,
      `  try:       ${mqttPort === 1883 ? '' : `TIDINGS_URL=mqtt://${shown}:${mqttPort} `}pnpm tidings register <name>   (Ctrl-C stops everything)`,
    ].join('\n'),
  );
