import { describe, expect, it } from 'vitest';
import type { E2eRun } from '../src/scenarios/end-to-end.js';
import type { RawRun } from '../src/scenarios/raw-broker.js';
import { checkTargets, renderResults, type Results } from '../src/table.js';

const lat = (p50: number, p95: number, p99: number) => ({ n: 1000, p50, p95, p99, max: p99 + 1, mean: p50 });
const rawRun = (mps: number, dps: number, p50: number): RawRun => ({
  messagesPerSecond: mps,
  deliveriesPerSecond: dps,
  latency: lat(p50, p50 * 2, p50 * 3),
  missing: 0,
  cpu: { broker: 0.93, generator: 0.41 },
});
const e2eRun = (offered: number | null, stored: number, ackP99: number, deliveryP99: number): E2eRun => ({
  offered,
  persistedPerSecond: stored,
  deliveriesPerSecond: stored * 20,
  ack: lat(3.21, 7.5, ackP99),
  delivery: lat(3.4, 8.25, deliveryP99),
  errors: {},
  missingAcks: 0,
  missingDeliveries: 0,
  cpu: { broker: 0.8, 'chat-store': 0.6, generator1: 0.3 },
});

function sample(): Results {
  return {
    schema: 1,
    mode: 'full',
    startedAt: '2026-11-26T20:00:00.000Z',
    finishedAt: '2026-11-26T20:09:00.000Z',
    seconds: 540.2,
    machine: {
      cpus: 2,
      cpuModel: 'Test CPU',
      memoryGiB: 8,
      os: 'Linux',
      node: 'v20.20.2',
      openFiles: '20000 / 20000',
      loadAverageStart: [1.5, 1, 1],
      loadAverageEnd: [2, 1, 1],
    },
    notes: ['e2e: a note'],
    scenarios: {
      raw: {
        params: { pairs: 10, pairWindow: 10, subscribers: 100, fanWindow: 5, oneToOneRate: 1000, fanOutRate: 100, seconds: 5 },
        systems: [
          {
            system: 'tidings',
            version: 'aedes',
            oneToOne: { saturation: rawRun(43571, 43571, 2.22), fixed: rawRun(1000, 1000, 0.93) },
            fanOut: { saturation: rawRun(734, 73447, 5.51), fixed: rawRun(100, 10000, 2.8) },
          },
          {
            system: 'mosquitto',
            version: 'mosquitto 2',
            oneToOne: { saturation: rawRun(76508, 76508, 1.23), fixed: rawRun(999, 999, 0.83) },
            fanOut: { saturation: rawRun(677, 67716, 5.5), fixed: rawRun(100, 10000, 2.38) },
          },
        ],
      },
      e2e: {
        params: { senders: 20, members: 20, window: 50, seconds: 8, generators: 2, database: 'SQLite', sendRateSetting: 'X=1' },
        saturation: e2eRun(null, 4321, 900, 950),
        fixed: [e2eRun(250, 249, 12.5, 13.5), e2eRun(1000, 1001, 45.6, 51.25)],
        ratio: { toTidingsRaw: 0.0992, toMosquitto: 0.0565, p50At1000VsTidingsRaw: 3.45 },
      },
      wire: {
        params: { text: 'hello from the bench', usernameLength: 8, deviceLength: 16, idLength: 21, messages: 200, pages: 40 },
        transports: [
          {
            transport: 'tcp',
            signIn: { up: 220, down: 232, total: 452 },
            userConnect: { up: 236, down: 13, total: 249 },
            sendAndAck: { up: 129, down: 113.9, total: 242.9 },
            delivered: { up: 4, down: 96.9, total: 100.9 },
            historyPage: { up: 107, down: 3628, total: 3735 },
            shapes: { sendPayload: '{"c":"general"}', eventPayload: '{"t":"m"}', ackPayload: '{"id":"x"}' },
          },
        ],
      },
      connections: {
        params: { generators: 4, concurrencyPerGenerator: 50, transport: 'ws' },
        idleRssMiB: 120,
        steps: [
          { clients: 1000, connectsPerSecond: 512, failed: 0, brokerRssMiB: 209, kibPerClient: 91, brokerCpu: 0.9 },
          { clients: 10000, connectsPerSecond: 480, failed: 0, brokerRssMiB: 1100, kibPerClient: 100.3, brokerCpu: 0.95 },
        ],
      },
      history: {
        params: { messages: 1_000_000, requests: 1000, warmup: 3000, cold: 500, pageSize: 50 },
        databases: [
          {
            database: 'SQLite',
            messages: 1_000_000,
            seedSeconds: 6.2,
            pages: [
              { page: 'newest', mqtt: lat(3.65, 4.4, 4.9), query: lat(1.04, 1.5, 2.25) },
              { page: '10,000 deep', mqtt: lat(3.06, 6.99, 13.1), query: lat(1.05, 3.96, 9.62) },
            ],
            cold: lat(1.91, 4.02, 6.45),
            replyBytes: 3546,
          },
        ],
        baselines: [
          { system: 'tidings', version: 'aedes 1.2.0, auth off', roundTrip: lat(0.31, 0.52, 1.87), replyBytes: 3546 },
          { system: 'mosquitto', version: 'mosquitto 2.0.11, set_tcp_nodelay', roundTrip: lat(0.21, 0.42, 1.11), replyBytes: 3546 },
        ],
      },
      signin: {
        params: { clients: 10, seconds: 15, argon2: 'argon2id' },
        loginsPerSecond: 4.7,
        login: lat(2065.3, 2200, 2316.7),
        full: lat(2072, 2210, 2320.7),
        errors: {},
        cpu: { auth: 1.52 },
      },
    },
    errors: [],
    targets: [],
  };
}

describe('the results table', () => {
  it('is rendered from the JSON alone: the written-and-read-back results give the same table', () => {
    const r = sample();
    r.targets = checkTargets(r);
    const fromFile = JSON.parse(JSON.stringify(r)) as Results;
    expect(renderResults(fromFile)).toBe(renderResults(r));
  });

  it('shows the measured numbers of every scenario', () => {
    const r = sample();
    r.targets = checkTargets(r);
    const table = renderResults(r);
    for (const shown of [
      '| 43,571 | 43,571 | 2.22 / 4.44 / 6.66 |', // raw 1:1 saturation, Tidings
      '| 734 | 73,447 |',
      '| 76,508 | 76,508 | 1.23 / 2.46 / 3.69 |', // Mosquitto in the same table
      '| 4,321 | 86,420 | 3.21 / 7.50 / 900.0 | 3.40 / 8.25 / 950.0 |',
      '| 1,000 msg/s offered | 1,001 |',
      '9.9 % of the Tidings broker',
      '5.7 % of Mosquitto',
      '242.9 (129.0 up, 113.9 down)',
      '100.9 (4.0 up, 96.9 down)',
      '3,735.0',
      '| 10,000 | 480 | 1,100 MiB | 100.3 KiB |',
      '| SQLite | newest | 3.65 / 4.40 / 4.90 | 1.04 / 1.50 / 2.25 |',
      '| Tidings broker alone (aedes 1.2.0, auth off) | a 3,546-byte reply from a client that does no work | 0.31 / 0.52 / 1.87 | — |',
      '| Mosquitto alone (mosquitto 2.0.11, set_tcp_nodelay) | a 3,546-byte reply from a client that does no work | 0.21 / 0.42 / 1.11 | — |',
      "the newest page's first 500 requests after chat-query and the broker started: SQLite 1.91 / 4.02 / 6.45 ms",
      '1,000 timed after 3,000 untimed',
      '| 4.7 | 2065.3 / 2200.0 / 2316.7 |',
      'load average 1.5 1 1 at the start',
    ]) {
      expect(table).toContain(shown);
    }
  });

  it('judges the stored-messages target on the one-listener room when it was measured, and shows both rooms', () => {
    const r = sample();
    r.scenarios.e2e!.oneListener = e2eRun(null, 5432, 300, 310);
    r.targets = checkTargets(r);
    const e2e = r.targets.find((t) => t.target.startsWith('End to end on SQLite'))!;
    expect(e2e.met).toBe(true); // 5,432 ≥ 5,000
    expect(e2e.measured).toBe('5,432 msg/s with 1 listening member; 4,321 msg/s with 20 (86,420 deliveries/s)');
    expect(renderResults(r)).toContain('| saturation, ONE listening member (50 in flight per sender) | 5,432 |');
    r.scenarios.e2e!.oneListener = e2eRun(null, 4999, 300, 310);
    expect(checkTargets(r).find((t) => t.target.startsWith('End to end on SQLite'))!.met).toBe(false);
  });

  it('shows the sign-in flood: the real user alone and during the flood, the flood’s answers, auth’s memory', () => {
    const r = sample();
    r.scenarios['signin-flood'] = {
      params: { connections: 200, waves: 3, argon2: 'argon2id m=65536 KiB, t=3, p=4 (auth defaults)' },
      alone: lat(210.5, 250, 260),
      runs: [
        {
          label: 'flood, hash line on (defaults)',
          line: '2 at once, 16 waiting, 2 per client, 5 s',
          signIn: { ...lat(480.25, 600, 700), n: 5 },
          userRefusals: 0,
          flood: { RATE_LIMITED: 560, INVALID_CREDENTIALS: 40 },
          floodSent: 600,
          floodSeconds: 7.25,
          rssBeforeMiB: 128,
          rssPeakMiB: 270,
          hwmMiB: 271,
        },
      ],
    };
    const table = renderResults(r);
    expect(table).toContain('### 6b. Sign-in during a flood: 200 guest connections × 3 wave(s)');
    expect(table).toContain('| alone (no flood) | – | 210.5 / 261.0 (1000) |');
    expect(table).toContain(
      '| flood, hash line on (defaults) | 2 at once, 16 waiting, 2 per client, 5 s | 480.3 / 701.0 (5) | 0 | 560 RATE_LIMITED, 40 INVALID_CREDENTIALS of 600 | 7.3 s | 128 → 270 MiB (VmHWM 271) |',
    );
  });

  it('shows the private-rooms rows: public and private room, the median round, the start-up read and the check alone', () => {
    const r = sample();
    const run = (dps: number) => rawRun(dps, dps, 3.2);
    r.scenarios.acl = {
      params: { pairs: 10, pairWindow: 10, oneToOneRate: 1000, seconds: 5, rounds: 3, privateRooms: 10_000, membersPerRoom: 20 },
      load: { memberships: 200_000, queryMs: 941, mapMs: 144 },
      check: { publicNs: 851, memberNs: 652, nonMemberNs: 574 },
      cases: [
        { broker: 'no private rooms', room: 'public', saturation: run(27027), rounds: [22341, 27027, 31544], fixed: run(1000) },
        { broker: 'private rooms loaded', room: 'private', saturation: run(26170), rounds: [26170, 20091, 31789], fixed: run(974) },
      ],
    };
    const table = renderResults(r);
    expect(table).toContain('### Private rooms in the broker');
    expect(table).toContain(
      '| no private rooms | public | saturation (10 pairs × 10 in flight), median of 22,341 / 27,027 / 31,544 | 27,027 | 3.20 / 6.40 / 9.60 |',
    );
    expect(table).toContain('| 10,000 private rooms × 20 members loaded | private | 1,000 msg/s | 974 |');
    expect(table).toContain('200,000 private memberships: 941 ms for the query, 144 ms to build the map');
    expect(table).toContain('652 ns on a private room as a member');
    expect(renderResults(JSON.parse(JSON.stringify(r)) as Results)).toBe(table);
  });

  it('checks the targets of issue 6 against the measurements', () => {
    const targets = checkTargets(sample());
    const met = Object.fromEntries(targets.map((t) => [t.target.split(':')[0]!.split(' ≤')[0]!.split(' <')[0], t.met]));
    expect(targets).toHaveLength(6);
    expect(met).toEqual({
      'End to end on SQLite': false, // 4,321 < 5,000
      'End to end': false, // delivery p99 51.25 > 50
      'A delivered 20-character message': true, // 100.9
      'A send + ack': false, // 242.9
      '10,000 WebSocket clients on one broker': false, // 1,100 MiB
      'History newest page p99': true, // 4.9 ms
    });
    expect(targets.find((t) => t.target.startsWith('History'))?.measured).toBe(
      '4.90 ms over MQTT, warm (first 500 after start 6.45 ms; queries alone 2.25 ms; broker alone 1.87 ms), 1,000,000 messages',
    );
  });

  it('does not judge a target this run did not measure at its scale (quick mode)', () => {
    const r = sample();
    r.scenarios.connections!.steps = r.scenarios.connections!.steps.slice(0, 1);
    r.scenarios.history!.databases[0]!.messages = 100_000;
    const targets = checkTargets(r);
    expect(targets.find((t) => t.target.startsWith('10,000'))?.met).toBeNull();
    expect(targets.find((t) => t.target.startsWith('History'))?.met).toBeNull();
    expect(renderResults({ ...r, targets })).toContain('not at this scale');
  });
});
