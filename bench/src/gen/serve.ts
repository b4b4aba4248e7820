/**
 * The generator side of the IPC protocol of procs.ts: commands arrive as `{seq, command, args}`,
 * run one at a time in arrival order, and are answered with their result or error.
 */
type Handler = (args: never) => unknown;

export function serve(handlers: Record<string, Handler>): void {
  if (!process.send) throw new Error('a generator runs as a forked process (see bench/src/procs.ts)');
  let chain: Promise<void> = Promise.resolve();
  process.on('message', (m: { seq: number; command: string; args: unknown }) => {
    chain = chain.then(async () => {
      const handler = handlers[m.command];
      try {
        if (!handler) throw new Error(`unknown command ${m.command}`);
        const result = await (handler as (a: unknown) => unknown)(m.args);
        process.send!({ type: 'result', seq: m.seq, result });
      } catch (err) {
        process.send!({ type: 'error', seq: m.seq, message: (err as Error).stack ?? String(err) });
      }
    });
  });
  // The runner ends a generator with SIGKILL or by closing the IPC channel.
  process.on('disconnect', () => process.exit(0));
}

export function log(message: string): void {
  process.send?.({ type: 'log', message });
}
