import type { Logger } from 'pino';

export interface Stoppable {
  /** Stops in a fixed order: stop taking work, finish in-flight work, close MQTT, close the database. */
  stop(): Promise<void>;
}

/**
 * Runs a service's `main`: starts it, and on SIGINT/SIGTERM stops it gracefully; a second
 * signal, or a stop that takes longer than `graceMs`, exits at once.
 */
export function runMain(logger: Logger, start: () => Promise<Stoppable>, graceMs = 10_000): void {
  let stopping = false;
  const started = start().then(
    (svc) => {
      logger.info('started');
      return svc;
    },
    (err: unknown) => {
      logger.fatal({ err }, 'failed to start');
      process.exit(1);
    },
  );
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
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
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
