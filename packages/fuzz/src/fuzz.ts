import fc from 'fast-check';
import { ACTIONS, AnyReply, operations, type Action } from '@tidings/protocol';
import { jsonSchemaOf, mutateBytes, requestArbitrary } from './schema-arbitrary.js';
import { startFuzzTarget, type Answer, type FuzzTarget, type Sender } from './target.js';

/** How long a request may go unanswered before the fuzzer calls it a hang. */
export const REPLY_WAIT_MS = 5000;

/** Actions after which the broker may rightly close the caller's own connection (it ended its own session). */
const MAY_CLOSE_OWN_CONNECTION = new Set<Action>(['auth.logout', 'auth.revoke', 'auth.passwd']);

export interface FuzzOptions {
  /** fast-check's seed: the same seed generates the same cases. */
  seed: number;
  /** Generated payloads per action. */
  runsPerAction: number;
  /** The actions to fuzz (default: every action). */
  actions?: readonly Action[];
  /** Sequential normal requests (auth.whoami) timed before the fuzzing, as the baseline of its pace (default 0: none). */
  baselineRequests?: number;
  /** Called after each action with its tally. */
  onAction?: (tally: ActionTally) => void;
}

/** What one action's payloads got. */
export interface ActionTally {
  action: Action;
  cases: number;
  /** Valid results. */
  ok: number;
  /** Error replies by code. */
  errors: Record<string, number>;
  /** One-way actions: payloads sent with no reply expected. */
  unanswered: number;
  /** Cases after which the fuzzer's own session had ended (its logout, say): allowed, and reconnected. */
  closed: number;
  /** Whether the service answered a normal request after the fuzzing. */
  healthyAfter: boolean;
  ms: number;
}

export interface FuzzReport {
  seed: number;
  runsPerAction: number;
  actions: ActionTally[];
  cases: number;
  ms: number;
  casesPerSecond: number;
  /** Normal requests per second, one at a time on the same system (when baselineRequests was set). */
  baselinePerSecond?: number;
  /** Answers that broke the rules: no reply, a reply that is not the envelope, INTERNAL, a result that is not the schema's. */
  problems: string[];
}

/**
 * Judges one answer: a coded error (not INTERNAL) or a result valid against the action's result
 * schema, carrying the request's id (or null when the id was not readable). Returns the outcome's
 * name, or throws with what was wrong.
 */
export function judge(action: Action, payload: Buffer, answer: Answer): string {
  const op = operations[action];
  if (op.reply === false) {
    if (answer.reply !== undefined) throw new Error(`${action} is one-way, but was answered: ${answer.reply.slice(0, 200)}`);
    return 'unanswered';
  }
  if (answer.reply === undefined) {
    if (answer.closed && MAY_CLOSE_OWN_CONNECTION.has(action)) return 'closed';
    throw new Error(answer.closed ? 'the broker closed the connection' : `no reply within ${REPLY_WAIT_MS} ms`);
  }
  let json: unknown;
  try {
    json = JSON.parse(answer.reply);
  } catch {
    throw new Error(`the reply is not JSON: ${answer.reply.slice(0, 200)}`);
  }
  const envelope = AnyReply.safeParse(json);
  const both = typeof json === 'object' && json !== null && 'r' in json && 'e' in json;
  if (!envelope.success || both) throw new Error(`the reply is not a reply envelope: ${answer.reply.slice(0, 200)}`);
  const sentId = idOf(payload);
  const reply = envelope.data;
  if (reply.id !== null && reply.id !== sentId) throw new Error(`the reply carries id ${JSON.stringify(reply.id)}, the request ${JSON.stringify(sentId)}`);
  if ('r' in reply) {
    if (reply.id === null) throw new Error('a result without the request id');
    const result = op.result.safeParse(reply.r);
    if (!result.success)
      throw new Error(`the result does not match ${action}'s schema: ${result.error.issues[0]?.message ?? ''} in ${answer.reply.slice(0, 200)}`);
    return 'ok';
  }
  if (reply.e.code === 'INTERNAL') throw new Error(`INTERNAL: ${reply.e.message}`);
  return reply.e.code;
}

function idOf(payload: Buffer): string | undefined {
  try {
    const id = (JSON.parse(payload.toString('utf8')) as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Payloads stay under the broker's packet limit (64 KiB), past which the broker closes the
 * sender's connection before any service sees the request: that limit has tests of its own.
 * Between 16 KiB and this, services answer PAYLOAD_TOO_LARGE.
 */
export const MAX_FUZZ_PAYLOAD_BYTES = 60_000;

/** The payloads of one action: JSON shaped by its request schema (¾), or those bytes mutated (¼). */
export function payloadArbitrary(action: Action, target: Pick<FuzzTarget, 'hints'>): fc.Arbitrary<Buffer> {
  const body = requestArbitrary(jsonSchemaOf(operations[action].request), target.hints).map((v) => Buffer.from(JSON.stringify(v) ?? 'null'));
  return fc
    .oneof({ arbitrary: body, weight: 3 }, { arbitrary: body.chain(mutateBytes), weight: 1 })
    .map((bytes) => (bytes.length > MAX_FUZZ_PAYLOAD_BYTES ? bytes.subarray(0, MAX_FUZZ_PAYLOAD_BYTES) : bytes));
}

/** A failing case in a line: what was wrong, the payload's start, and how to replay it. */
function describeFailure(action: Action, details: fc.RunDetails<[Buffer]>): string {
  const payload = details.counterexample?.[0];
  const shown = payload ? `${payload.length} bytes: ${JSON.stringify(payload.toString('utf8').slice(0, 160))}` : 'none';
  const why = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return `${action}: ${why.slice(0, 400)} — payload ${shown} — replay with FUZZ_SEED=${details.seed} (path ${details.counterexamplePath ?? '?'})`;
}

/** A normal request to `action`'s service, which must get a valid result after the fuzzing. */
async function serviceAnswers(target: FuzzTarget, action: Action): Promise<boolean> {
  const service = operations[action].service;
  if (service === 'presence') return typingRelayed(target);
  const user = await target.user();
  let n = 0;
  const ask = async (canary: Action, body: Record<string, unknown>): Promise<unknown> => {
    const payload = Buffer.from(JSON.stringify({ id: `canary-${Date.now()}-${++n}`, ...body }));
    const answer = await user.send(canary, payload, REPLY_WAIT_MS);
    if (judge(canary, payload, answer) !== 'ok' || answer.reply === undefined) throw new Error(`${canary} was refused: ${answer.reply ?? ''}`);
    return (JSON.parse(answer.reply) as { r: unknown }).r;
  };
  // the fuzzing may have left general (room.leave) and deleted its messages: join it again and send one
  const join = async () => {
    await user.send('room.join', Buffer.from(JSON.stringify({ id: `rejoin-${Date.now()}`, name: 'general' })), REPLY_WAIT_MS);
    return ask('chat.send', { c: 'general', x: 'still here' }) as Promise<{ s: number }>;
  };
  const canaries: Record<string, () => Promise<unknown>> = {
    auth: () => ask('auth.whoami', {}),
    'chat-store': join,
    'chat-query': () => ask('chat.history', { c: 'general', limit: 1 }),
    likes: async () => ask('like.add', { c: 'general', s: (await join()).s }),
    'security-questions': () => ask('security.get', {}),
  };
  const canary = canaries[service];
  if (!canary) throw new Error(`no normal request known for the service ${service}`);
  await canary();
  return true;
}

let typists = 0;
/** presence answers nothing: a new member types in `general`, and the watcher must see it. */
async function typingRelayed(target: FuzzTarget): Promise<boolean> {
  const name = `typist${++typists}`;
  const typist: Sender = await target.signedIn(name);
  const join = Buffer.from(JSON.stringify({ id: 'join', name: 'general' }));
  if (judge('room.join', join, await typist.send('room.join', join, REPLY_WAIT_MS)) !== 'ok') return false;
  await typist.send('chat.typing', Buffer.from(JSON.stringify({ c: 'general' })), 0);
  const until = Date.now() + REPLY_WAIT_MS;
  while (Date.now() < until) {
    if (target.watcherEvents().some((e) => e.includes(`"${name}"`))) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/**
 * Fuzzes every action of the protocol against the real services: `runsPerAction` payloads each,
 * generated from the action's request schema (with values that exist in the system, values at
 * and past the limits, wrong types, missing and unknown fields) or mutated byte by byte. Every
 * answer must be a coded error or a valid result ({@link judge}), and afterwards the action's
 * service must still answer a normal request. A failing case is shrunk by fast-check and thrown
 * with the seed to replay it.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const target = await startFuzzTarget();
  const baselinePerSecond = options.baselineRequests
    ? await baseline(target, options.baselineRequests).catch(async (err: unknown) => {
        await target.close();
        throw err;
      })
    : undefined;
  const started = performance.now();
  const tallies: ActionTally[] = [];
  const problems: string[] = [];
  try {
    for (const action of options.actions ?? ACTIONS) {
      const tally: ActionTally = { action, cases: 0, ok: 0, errors: {}, unanswered: 0, closed: 0, healthyAfter: false, ms: 0 };
      const t0 = performance.now();
      await target.refresh();
      const audience = operations[action].audience;
      const property = fc.asyncProperty(payloadArbitrary(action, target), async (payload) => {
        const sender = audience === 'guest' ? await target.guest() : await target.user();
        const waitMs = operations[action].reply === false ? 0 : REPLY_WAIT_MS;
        const outcome = judge(action, payload, await sender.send(action, payload, waitMs));
        tally.cases++;
        if (outcome === 'ok') tally.ok++;
        else if (outcome === 'unanswered') tally.unanswered++;
        else if (outcome === 'closed') tally.closed++;
        else tally.errors[outcome] = (tally.errors[outcome] ?? 0) + 1;
      });
      const details = await fc.check(property, { seed: options.seed, numRuns: options.runsPerAction });
      if (details.failed) problems.push(describeFailure(action, details));
      tally.healthyAfter = await serviceAnswers(target, action).catch(() => false);
      if (!tally.healthyAfter) problems.push(`${action}: the ${operations[action].service} service did not answer a normal request afterwards`);
      tally.ms = Math.round(performance.now() - t0);
      tallies.push(tally);
      options.onAction?.(tally);
    }
  } finally {
    await target.close();
  }
  const ms = Math.round(performance.now() - started);
  const cases = tallies.reduce((n, t) => n + t.cases, 0);
  return {
    seed: options.seed,
    runsPerAction: options.runsPerAction,
    actions: tallies,
    cases,
    ms,
    casesPerSecond: Math.round((cases / ms) * 1000),
    ...(baselinePerSecond === undefined ? {} : { baselinePerSecond }),
    problems,
  };
}

/** Normal requests per second, one at a time, on the fuzzer's own connection. */
async function baseline(target: FuzzTarget, requests: number): Promise<number> {
  const user = await target.user();
  const t0 = performance.now();
  for (let i = 0; i < requests; i++) {
    const payload = Buffer.from(JSON.stringify({ id: `b${i}` }));
    if (judge('auth.whoami', payload, await user.send('auth.whoami', payload, REPLY_WAIT_MS)) !== 'ok') throw new Error('auth.whoami was refused');
  }
  return Math.round((requests / (performance.now() - t0)) * 1000);
}
