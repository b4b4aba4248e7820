// `pnpm start` in an unchanged checkout must rebuild nothing: turbo must find every build task
// in its cache. That breaks when a build writes files its own inputs match (the db package's
// Prisma client, generated into src/, once made every package rebuild on the second start), so
// this checks the rule behind it as well as the outcome:
//   1. no build task takes a git-ignored file (something generated) as an input;
//   2. after building what `pnpm start` builds, the same build again is all cache hits.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
/** What `pnpm start` builds (package.json's start script). */
const START_FILTER = './apps/*';

interface DryTask {
  taskId: string;
  directory: string;
  inputs: Record<string, string>;
  cache: { status: 'HIT' | 'MISS' };
}

function turbo(args: string[]): string {
  return execFileSync('npx', ['-y', 'pnpm@12.4.2', 'exec', 'turbo', ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_UI: 'false' },
  });
}

function dryRun(filter?: string): DryTask[] {
  const out = turbo(['run', 'build', '--dry=json', ...(filter ? [`--filter=${filter}`] : [])]);
  return (JSON.parse(out.slice(out.indexOf('{'))) as { tasks: DryTask[] }).tasks;
}

/** The subset of `files` (relative to the repository root) that git ignores. */
function ignoredByGit(files: string[]): string[] {
  if (files.length === 0) return [];
  try {
    return execFileSync('git', ['check-ignore', '--stdin'], { cwd: root, input: files.join('\n'), encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  } catch (err) {
    // exit 1: none of them is ignored
    if ((err as { status?: number }).status === 1) return [];
    throw err;
  }
}

describe('an unchanged checkout rebuilds nothing', () => {
  it('no build task reads a git-ignored (generated) file as an input', () => {
    const tasks = dryRun();
    expect(tasks.length).toBeGreaterThan(10);
    const offending: string[] = [];
    for (const task of tasks) {
      const files = Object.keys(task.inputs).map((f) => path.relative(root, path.resolve(root, task.directory, f)));
      for (const file of ignoredByGit(files)) offending.push(`${task.taskId}: ${file}`);
    }
    expect(offending, 'build inputs that the build itself (or something else) generates').toEqual([]);
  }, 120_000);

  it('a second build of what `pnpm start` builds is all cache hits', () => {
    turbo(['run', 'build', `--filter=${START_FILTER}`, '--output-logs=errors-only']);
    const tasks = dryRun(START_FILTER);
    expect(tasks.map((t) => t.taskId)).toContain('@tidings/broker#build');
    const missed = tasks.filter((t) => t.cache.status !== 'HIT').map((t) => t.taskId);
    expect(missed, 'tasks turbo would run again').toEqual([]);
  }, 600_000);
});
