import { ACTIONS } from '@tidings/protocol';
import { expect, it } from 'vitest';
import { runFuzz } from '../src/index.js';

/**
 * The seeded, bounded run of CI: every action of the protocol against the real services
 * (FUZZ_RUNS payloads each, 100 by default; FUZZ_SEED picks another sequence). A failure prints
 * the shrunk payload and the seed that replays it. `pnpm bench --only fuzz` runs longer.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20261207);
const runsPerAction = Number(process.env.FUZZ_RUNS ?? 100);

it(`every action answers ${runsPerAction} generated and mutated payloads with a coded error or a valid result (seed ${seed})`, async () => {
  const report = await runFuzz({ seed, runsPerAction });
  expect(report.problems).toEqual([]);
  expect(report.actions.map((a) => a.action)).toEqual([...ACTIONS]);
  for (const tally of report.actions) {
    expect(tally.cases, tally.action).toBeGreaterThanOrEqual(runsPerAction);
    expect(tally.healthyAfter, tally.action).toBe(true);
  }
  // The generator reaches past validation into the handlers: valid results of every kind of service, and refusals of several kinds.
  const reached = report.actions.filter((a) => a.ok > 0).map((a) => a.action);
  expect(reached).toEqual(
    expect.arrayContaining(['auth.whoami', 'chat.send', 'room.join', 'chat.conversations', 'recovery.question', 'security.get', 'recovery.codes']),
  );
  const codes = new Set(report.actions.flatMap((a) => Object.keys(a.errors)));
  expect([...codes]).toEqual(expect.arrayContaining(['BAD_REQUEST', 'NOT_FOUND']));
}, 600_000);
