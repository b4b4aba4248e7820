/**
 * How the user ran the CLI, so every hint it prints ("now run: tidings login alice", "see
 * tidings --help") is a command they can type as it stands: `pnpm tidings …` when run through
 * pnpm (from the repository root: `pnpm tidings` finds the workspace's bin), `npx tidings …`
 * through npx, `tidings …` when run as the installed binary.
 */
let current = 'tidings';

/** The command prefix for this environment: pnpm and npm say who runs them in npm_config_user_agent. */
export function programOf(env: Record<string, string | undefined>): string {
  const agent = env.npm_config_user_agent ?? '';
  if (agent.startsWith('pnpm/')) return 'pnpm tidings';
  if (agent.startsWith('npm/') && env.npm_command === 'exec') return 'npx tidings';
  return 'tidings';
}

/** Set once per command line, by run(). */
export function setProgram(name: string): void {
  current = name;
}

/** `tidings`, `pnpm tidings` or `npx tidings`: how to start the CLI again, for hints. */
export function tidings(): string {
  return current;
}
