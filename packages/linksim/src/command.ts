import { parseArgs } from 'node:util';
import { LinkError } from './errors.js';
import { createLink, type LinkEvent, type LinkOptions } from './link.js';
import { isProfileName, profiles, scaleProfile, validateProfile, type LinkProfile } from './profiles.js';
import type { ScheduledEvent } from './schedule.js';

export const USAGE = `Usage: tidings-linksim --target HOST:PORT [options]

A TCP proxy that behaves like a bad network link, for trying the apps by hand.

  --target HOST:PORT   where connections go (e.g. 127.0.0.1:1883, or :8080 for the web app)
  --listen [HOST:]PORT where to listen (default 127.0.0.1:0, any free port)
  --profile NAME       ${Object.keys(profiles).join(', ')} (default calm)
  --scale F            multiply every time by F and divide the bandwidth by F
  --seed N             seed for the cut intervals (default random; printed)
  --delay MS           one-way delay, overriding the profile's
  --bandwidth BPS      bits/s each way, overriding the profile's (0: unlimited)
  --buffer BYTES       bytes held per connection and direction (default 65536)
  --no-handshake       no TCP handshake delay on new connections
  --json               events as JSON lines
  -h, --help
`;

export interface CliIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
  /** The link runs until this aborts (the bin aborts it on SIGINT/SIGTERM). */
  readonly signal: AbortSignal;
}

class UsageError extends Error {}

function hostPort(text: string, what: string, defaultHost: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  const host = i < 0 ? defaultHost : text.slice(0, i).replace(/^\[|\]$/g, '') || defaultHost;
  const port = Number(i < 0 ? text : text.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`${what}: not a port: ${text}`);
  return { host, port };
}

function number(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || Number.isNaN(n)) throw new UsageError(`${what}: not a number: ${text}`);
  return n;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1)}s`;

export function describeProfile(p: LinkProfile): string {
  const bw = p.bandwidthBps === 0 || p.bandwidthBps === Infinity ? 'unlimited' : `${p.bandwidthBps / 1000} kbit/s`;
  const parts = [`delay ${p.delayMs} ms each way`, `${bw} each way`];
  if (p.cuts) parts.push(`cuts every ${seconds(p.cuts.minMs)}–${seconds(p.cuts.maxMs)}`);
  for (const s of p.stalls ?? []) parts.push(`stall ${seconds(s.durationMs)} at ${seconds(s.atMs)}`);
  for (const o of p.outages ?? []) parts.push(`outage ${seconds(o.durationMs)} at ${seconds(o.atMs)}`);
  return `${p.name}: ${parts.join(', ')}`;
}

function describeEvent(e: LinkEvent): string {
  const at = `+${seconds(e.atMs)}`;
  switch (e.type) {
    case 'connect':
    case 'refused':
      return `${at} ${e.type} #${e.id}`;
    case 'close':
      return `${at} close #${e.id} (${e.up} B up, ${e.down} B down)`;
    case 'cut':
      return `${at} cut (${e.connections} connections)`;
    case 'stall-start':
      return `${at} stall for ${seconds(e.durationMs)}`;
    case 'stall-end':
      return `${at} stall over`;
    case 'outage-start':
      return `${at} outage${e.durationMs === null ? '' : ` for ${seconds(e.durationMs)}`} (${e.connections} connections cut)`;
    case 'outage-end':
      return `${at} outage over`;
    case 'profile':
      return `${at} profile ${describeProfile(e.profile)}`;
  }
}

const describePlanned = (e: ScheduledEvent) => `  +${seconds(e.atMs)} ${e.kind}${e.kind === 'cut' ? '' : ` for ${seconds(e.durationMs)}`}`;

/** The CLI, with its streams and stop signal passed in; resolves with the exit status. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let options: LinkOptions;
  let json: boolean;
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        target: { type: 'string' },
        listen: { type: 'string' },
        profile: { type: 'string' },
        scale: { type: 'string' },
        seed: { type: 'string' },
        delay: { type: 'string' },
        bandwidth: { type: 'string' },
        buffer: { type: 'string' },
        'no-handshake': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (values.target === undefined) throw new UsageError('--target HOST:PORT is required');
    const name = values.profile ?? 'calm';
    if (!isProfileName(name)) throw new UsageError(`unknown profile ${name} (${Object.keys(profiles).join(', ')})`);
    let profile: LinkProfile = profiles[name];
    const scale = number(values.scale, '--scale');
    if (scale !== undefined) profile = scaleProfile(profile, scale);
    const delayMs = number(values.delay, '--delay');
    const bandwidthBps = number(values.bandwidth, '--bandwidth');
    profile = {
      ...profile,
      ...(delayMs !== undefined && { delayMs }),
      ...(bandwidthBps !== undefined && { bandwidthBps }),
    };
    validateProfile(profile);
    const listen = hostPort(values.listen ?? '0', '--listen', '127.0.0.1');
    const seed = number(values.seed, '--seed');
    const bufferBytes = number(values.buffer, '--buffer');
    options = {
      target: hostPort(values.target, '--target', '127.0.0.1'),
      profile,
      host: listen.host,
      port: listen.port,
      handshake: !values['no-handshake'],
      ...(seed !== undefined && { seed }),
      ...(bufferBytes !== undefined && { bufferBytes }),
    };
    json = values.json ?? false;
  } catch (err) {
    if (err instanceof UsageError || err instanceof LinkError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`tidings-linksim: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }

  let link;
  try {
    link = await createLink(options);
  } catch (err) {
    io.stderr.write(`tidings-linksim: ${(err as Error).message}\n`);
    return err instanceof LinkError ? 2 : 1;
  }
  const out = (line: string) => io.stdout.write(`${line}\n`);
  if (json) {
    out(
      JSON.stringify({
        type: 'listening',
        host: link.host,
        port: link.port,
        seed: link.seed,
        target: options.target,
        profile: link.profile,
        schedule: link.schedule.filter((e) => e.atMs <= 600_000),
      }),
    );
    link.on('event', (e) => out(JSON.stringify(e)));
  } else {
    out(`tidings-linksim: ${link.host}:${link.port} → ${options.target.host}:${options.target.port}`);
    out(`profile ${describeProfile(link.profile)}; seed ${link.seed}`);
    const planned = link.schedule.filter((e) => e.atMs <= 600_000);
    if (planned.length > 0) {
      const shown = planned.slice(0, 12).map(describePlanned);
      if (planned.length > shown.length) shown.push(`  … and ${planned.length - shown.length} more in the first 10 minutes`);
      out(`schedule:\n${shown.join('\n')}`);
    }
    link.on('event', (e) => out(describeEvent(e)));
  }

  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const stats = link.stats;
  await link.close();
  if (json) out(JSON.stringify({ type: 'stats', ...stats }));
  else
    out(
      `closed: ${stats.up} B up, ${stats.down} B down; ${stats.accepted} connections, ${stats.refused} refused, ` +
        `${stats.cuts} cuts, ${stats.stalls} stalls, ${stats.outages} outages`,
    );
  return 0;
}
