import type { Logger } from 'pino';
import { dropLogOutput } from './logger.js';

export interface Stoppable {
  /** Stops in a fixed order: stop taking work, finish in-flight work, close MQTT, close the database. */
  stop(): Promise<void>;
}

/**
 * Runs a service's `main`: starts it, and on SIGINT/SIGTERM stops it gracefully; a second
 * signal, or a stop that takes longer than `graceMs`, exits at once.
 *
 * A process started with an IPC channel (the one-command stack, scripts/stack.mjs, starts every
 * process so, each in a process group of its own) also stops gracefully when that channel closes:
 * its supervisor is gone — even killed with SIGKILL, which it could not pass on — and nothing
 * may be left running without it. Its log output, which went to the supervisor, is dropped from
 * then on. The channel is unref'd: it never keeps the process alive.
 */
export function runMain(logger: Logger, start: (stopping: AbortSignal) => Promise<Stoppable>, graceMs = 10_000): void {
  let stopping = false;
  // Aborted by the first signal: a start still waiting (a standby waiting to lead) gives up.
  const stopRequested = new AbortController();
  const started = start(stopRequested.signal).then(
    (svc) => {
      logger.info('started');
      return svc;
    },
    (err: unknown) => {
      logger.fatal({ err }, 'failed to start');
      process.exit(1);
    },
  );
  const stop = (why: { signal: NodeJS.Signals } | { supervisor: 'gone' }) => {
    if (stopping) {
      logger.warn(why, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info(why, 'stopping');
    stopRequested.abort();
    const timer = setTimeout(() => {
      logger.error('graceful stop took too long: exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    void started
      .then((svc) => svc.stop())
      .then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'error while stopping');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', (signal) => stop({ signal }));
  process.on('SIGTERM', (signal) => stop({ signal }));
  if (process.channel) {
    process.channel.unref();
    process.once('disconnect', () => {
      dropLogOutput(logger); // its output went to the supervisor, which is gone
      if (!stopping) stop({ supervisor: 'gone' });
    });
  }
}
