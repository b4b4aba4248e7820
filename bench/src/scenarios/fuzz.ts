import { runFuzz, type FuzzReport } from '@tidings/fuzz';
import type { ScenarioContext } from './context.js';

/**
 * Scenario 8: the fuzzing of `pnpm test` (packages/fuzz), longer — FUZZ_RUNS payloads per action
 * (2,000; 100 with --quick) from FUZZ_SEED (a new seed each run unless set, printed so a failure
 * replays) against the real services in-process. Reports cases per second against normal
 * requests per second on the same system, and every outcome per action; a problem (a hang, a
 * reply that is not the envelope, INTERNAL, a service that stopped answering) fails the scenario.
 */
export type FuzzScenarioResult = FuzzReport;

export async function fuzz(ctx: ScenarioContext): Promise<FuzzScenarioResult> {
  const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const runsPerAction = Number(process.env.FUZZ_RUNS ?? (ctx.quick ? 100 : 2000));
  ctx.progress(`seed ${seed}, ${runsPerAction} payloads per action`);
  const report = await runFuzz({
    seed,
    runsPerAction,
    baselineRequests: ctx.quick ? 200 : 2000,
    onAction: (t) =>
      ctx.progress(
        `${t.action}: ${t.cases} cases, ${t.ok} ok, ${
          Object.entries(t.errors)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ') || 'no errors'
        }`,
      ),
  });
  if (report.problems.length > 0) throw new Error(`fuzzing found ${report.problems.length} problem(s) (seed ${seed}):\n${report.problems.join('\n')}`);
  return report;
}
