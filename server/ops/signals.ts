import type { Logger } from "../logging/logger";

/** Logs are written asynchronously; exiting before they are flushed would lose the last (and most useful) lines. */
export function flushThenExit(logger: Logger, code: number): void {
  const exit = () => process.exit(code);
  setTimeout(exit, 500).unref();
  try {
    logger.flush((err) => {
      void err;
      exit();
    });
  } catch {
    exit();
  }
}

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
        flushThenExit(logger, 0);
      },
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        flushThenExit(logger, 1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
