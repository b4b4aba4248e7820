import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { createLink, type Link, type LinkEvent, type LinkProfile } from '@tidings/linksim';
import { ROOT, sleep, tempDir } from './procs.js';
import { seedRoom, seedSignedInUsers, type SeededUser } from './seed.js';
import { percentile, round } from './stats.js';
import type { Sut } from './sut.js';

/**
 * Two people chatting through bad links, as they would: `tidings send <room> --stdin` fed one line
 * every `intervalMs` through the sender's link, and `tidings watch <room> --json` through the
 * watcher's own link — real CLI processes, the system under test in its own processes, and a link
 * simulator (`@tidings/linksim`) in front of the broker for each of them.
 */
export interface LinkChatOptions {
  sut: Sut;
  senderProfile: LinkProfile;
  watcherProfile: LinkProfile;
  count: number;
  intervalMs: number;
  seed: number;
  /** How long `send` waits for each ack (the CLI's --wait), ms. */
  waitMs: number;
  /** How long to wait for the watcher to print everything after the last line was written. */
  drainMs: number;
  progress?: (message: string) => void;
}

export interface LinkChatResult {
  sent: number;
  acked: number;
  /** Lines the sender reported as not confirmed (exit 75) — never "failed" for a bad link. */
  notConfirmed: number;
  /** Lines the sender reported as failed in any other way. */
  failed: number;
  senderExit: number | null;
  senderNotices: string[];
  delivered: number;
  duplicates: number;
  inOrder: boolean;
  /** Line written → printed by the watcher, ms. */
  delivery: { p50: number; p90: number; max: number; samples: number[] };
  /** Line written → ack printed by the sender, ms. */
  ack: { p50: number; p90: number; max: number };
  bytes: { sender: { up: number; down: number }; watcher: { up: number; down: number } };
  events: { sender: string[]; watcher: string[] };
  /** For a watcher outage: from the link's return to the last message missed being printed. */
  catchUp?: { missed: number; printed: number; ms: number; bytes: number; bytesPerMessage: number };
}

interface Printed {
  x: string;
  s: number;
  at: number;
  /** Bytes through the watcher's link (both ways) when it was printed. */
  bytes: number;
}

const CLI = path.join(ROOT, 'apps/cli/dist/main.js');

async function cliHome(dir: string, user: SeededUser, url: string, device: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const session = { url, username: user.username, token: user.token, sessionId: user.sessionId, expiresAt: Date.now() + 24 * 3600_000, device };
  await writeFile(path.join(dir, 'session.json'), JSON.stringify(session), { mode: 0o600 });
  return dir;
}

function spawnCli(args: string[], home: string): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, TIDINGS_CLI_HOME: home, TIDINGS_LOG_LEVEL: 'warn', NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** The message text of line i: 20 characters, like a short chat line. */
export function lineText(i: number): string {
  return `m${String(i).padStart(3, '0')} ${'abcdefghijklmnopqrstuvwxyz'.slice(0, 15)}`;
}

function timeline(link: Link, sink: string[]): void {
  link.on('event', (e: LinkEvent) => {
    if (e.type === 'close') return;
    sink.push(`${(e.atMs / 1000).toFixed(1)}s ${e.type}${'durationMs' in e && e.durationMs ? ` ${Math.round(e.durationMs / 1000)}s` : ''}`);
  });
}

export async function runLinkChat(o: LinkChatOptions): Promise<LinkChatResult> {
  const db = await o.sut.openDb();
  const room = 'general';
  let users: SeededUser[];
  try {
    users = await seedSignedInUsers(db, ['sender01', 'watcher1'], 'x');
    await seedRoom(db, room, users);
  } finally {
    await db.close();
  }
  const [sender, watcher] = users as [SeededUser, SeededUser];
  const tmp = await tempDir('link-chat');
  const senderLink = await createLink({ target: { port: o.sut.mqttPort }, profile: o.senderProfile, seed: o.seed });
  const watcherLink = await createLink({ target: { port: o.sut.mqttPort }, profile: o.watcherProfile, seed: o.seed + 1 });
  const events = { sender: [] as string[], watcher: [] as string[] };
  timeline(senderLink, events.sender);
  timeline(watcherLink, events.watcher);
  const outage: { start?: number; end?: number; bytesAtEnd?: number } = {};
  watcherLink.on('outage-start', () => (outage.start ??= performance.now()));
  watcherLink.on('outage-end', () => {
    outage.end ??= performance.now();
    outage.bytesAtEnd ??= watcherLink.stats.up + watcherLink.stats.down;
  });
  const t0 = performance.now();
  const homeW = await cliHome(path.join(tmp.dir, 'w'), watcher, `mqtt://127.0.0.1:${watcherLink.port}`, 'bench-w');
  const homeS = await cliHome(path.join(tmp.dir, 's'), sender, `mqtt://127.0.0.1:${senderLink.port}`, 'bench-s');

  const printed: Printed[] = [];
  let ready: () => void = () => {};
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const watch = spawnCli(['watch', room, '--json', '--limit', '1'], homeW);
  const watchErr: string[] = [];
  readline.createInterface({ input: watch.stderr! }).on('line', (l) => watchErr.push(l));
  readline.createInterface({ input: watch.stdout! }).on('line', (line) => {
    let e: { type?: string; x?: string; s?: number };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      return;
    }
    if (e.type === 'ready') ready();
    if (e.type === 'connection') events.watcher.push(`${(watcherLink.elapsedMs() / 1000).toFixed(1)}s watch: link ${(e as { state?: string }).state}`);
    if (e.type === 'message' && typeof e.x === 'string' && e.x.startsWith('m'))
      printed.push({ x: e.x, s: e.s ?? 0, at: performance.now(), bytes: watcherLink.stats.up + watcherLink.stats.down });
  });
  const watchExit = new Promise<number | null>((resolve) => watch.on('exit', (code) => resolve(code)));
  await Promise.race([
    isReady,
    watchExit.then((c) => Promise.reject(new Error(`watch exited (${c}) before it was ready: ${watchErr.join(' | ')}`))),
    sleep(120_000).then(() => Promise.reject(new Error('watch not ready after 120 s'))),
  ]);
  o.progress?.(`watcher ready after ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const send = spawnCli(['send', room, '--stdin', '--wait', String(Math.round(o.waitMs / 1000))], homeS);
  const acks: number[] = [];
  const notices: string[] = [];
  readline.createInterface({ input: send.stdout! }).on('line', (l) => {
    if (l.startsWith('sent ')) acks.push(performance.now());
  });
  readline.createInterface({ input: send.stderr! }).on('line', (l) => notices.push(l));
  const sendExit = new Promise<number | null>((resolve) => send.on('exit', (code) => resolve(code)));

  // The person opens the chat, then types: the first line is written once the sender is connected
  // (its CONNACK and the SUBACK of its reply topic, 9 bytes, have come down its link).
  const connectBy = performance.now() + 60_000;
  while (senderLink.stats.down < 9 && performance.now() < connectBy && send.exitCode === null) await sleep(50);
  o.progress?.(`sender connected after ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const written: number[] = [];
  for (let i = 1; i <= o.count; i++) {
    written.push(performance.now());
    send.stdin!.write(`${lineText(i)}\n`);
    if (i % 10 === 0) o.progress?.(`${i} lines written, ${acks.length} acked, ${printed.length} printed`);
    if (i < o.count) await sleep(o.intervalMs);
  }
  send.stdin!.end();
  const lastWritten = performance.now();
  const senderExit = await Promise.race([sendExit, sleep(o.waitMs + 30_000).then(() => null)]);
  if (senderExit === null) send.kill('SIGKILL');
  while (printed.length < o.count && performance.now() - lastWritten < o.drainMs) await sleep(100);
  watch.kill('SIGINT');
  await Promise.race([watchExit, sleep(5000)]);
  if (watch.exitCode === null) watch.kill('SIGKILL');

  const texts = Array.from({ length: o.count }, (_, i) => lineText(i + 1));
  const firstSeen = new Map<string, number>();
  let duplicates = 0;
  for (const p of printed) {
    if (firstSeen.has(p.x)) duplicates++;
    else firstSeen.set(p.x, p.at);
  }
  const order = printed.map((p) => texts.indexOf(p.x)).filter((i) => i >= 0);
  const inOrder = order.every((v, i) => i === 0 || v > order[i - 1]!);
  const delivery = texts.flatMap((t, i) => (firstSeen.has(t) ? [firstSeen.get(t)! - written[i]!] : []));
  const ackMs = acks.map((at, i) => at - written[i]!);
  const notConfirmedLine = notices.find((n) => n.startsWith('tidings: ') && n.includes('not confirmed'));
  const notConfirmed = senderExit === 75 ? Number(/^tidings: (\d+) messages? not confirmed/.exec(notConfirmedLine ?? '')?.[1] ?? o.count - acks.length) : 0;
  const result: LinkChatResult = {
    sent: o.count,
    acked: acks.length,
    notConfirmed,
    failed: o.count - acks.length - notConfirmed,
    senderExit,
    senderNotices: notices.slice(0, 20),
    delivered: firstSeen.size,
    duplicates,
    inOrder,
    delivery: summarize(delivery),
    ack: (({ p50, p90, max }) => ({ p50, p90, max }))(summarize(ackMs)),
    bytes: { sender: { up: senderLink.stats.up, down: senderLink.stats.down }, watcher: { up: watcherLink.stats.up, down: watcherLink.stats.down } },
    events,
  };
  if (outage.start !== undefined && outage.end !== undefined) {
    // The messages written while the watcher's link was down, and printed after it came back.
    const missed = printed.filter((p) => {
      const i = texts.indexOf(p.x);
      return i >= 0 && written[i]! >= outage.start! && written[i]! < outage.end! && p.at >= outage.end!;
    });
    const last = missed.reduce<Printed | undefined>((a, p) => (a === undefined || p.at > a.at ? p : a), undefined);
    if (last) {
      // Everything through the link from its return until the last missed message was printed
      // (reconnecting included), per message printed meanwhile (new ones sent meanwhile too).
      const bytes = last.bytes - outage.bytesAtEnd!;
      const printedMeanwhile = printed.filter((p) => p.at >= outage.end! && p.at <= last.at).length;
      result.catchUp = {
        missed: missed.length,
        printed: printedMeanwhile,
        ms: round(last.at - outage.end, 0),
        bytes,
        bytesPerMessage: round(bytes / printedMeanwhile, 1),
      };
    }
  }
  await senderLink.close();
  await watcherLink.close();
  await tmp.remove();
  return result;
}

function summarize(samples: number[]): { p50: number; p90: number; max: number; samples: number[] } {
  if (samples.length === 0) return { p50: NaN, p90: NaN, max: NaN, samples: [] };
  return {
    p50: round(percentile(samples, 50), 0),
    p90: round(percentile(samples, 90), 0),
    max: round(Math.max(...samples), 0),
    samples: samples.map((s) => round(s, 0)),
  };
}
