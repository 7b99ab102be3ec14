import type { Logger } from "../logging/logger";

/**
 * Node 20 exits on an unhandled rejection. Some libraries (the Redis adapter's publish during an outage) reject
 * promises nobody awaits; those must cost a log line, never the process.
 */
export function installProcessGuards(logger: Logger): void {
  let last = 0;
  let suppressed = 0;
  process.on("unhandledRejection", (reason) => {
    const now = Date.now();
    if (now - last < 5_000) {
      suppressed++;
      return;
    }
    logger.error({ err: reason, suppressed }, "unhandled rejection");
    last = now;
    suppressed = 0;
  });
  process.on("uncaughtException", (err) => {
    // State may be corrupt after a synchronous throw nobody caught: log it and let the orchestrator restart us.
    logger.fatal({ err }, "uncaught exception; exiting");
    logger.flush?.();
    setTimeout(() => process.exit(1), 100).unref();
  });
}
