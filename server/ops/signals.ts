import type { Logger } from "../logging/logger";

export interface SignalOptions {
  logger: Logger;
  timeoutMs: number;
  /** Drains and closes everything; the process exits when it resolves. */
  shutdown: (signal: string) => Promise<void>;
}

/**
 * SIGTERM/SIGINT start a graceful shutdown that must finish within `timeoutMs`; a second signal or the timeout
 * forces the exit.
 */
export function handleSignals({ logger, timeoutMs, shutdown }: SignalOptions): void {
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      logger.warn({ signal }, "second signal; exiting now");
      process.exit(1);
    }
    started = true;
    logger.info({ signal, timeoutMs }, "shutting down");
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, "shutdown timed out; exiting");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    shutdown(signal).then(
      () => {
        logger.info("shutdown complete");
        logger.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
