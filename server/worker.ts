import { createServer } from "node:http";
import { Emitter } from "@socket.io/redis-emitter";
import { Server } from "socket.io";
import { adapterKey, createRedisBackends } from "./backends/redis";
import { BoardService } from "./boards/service";
import { readConfigOrExit } from "./config/read";
import { createLogger } from "./logging/logger";
import { NotificationService } from "./notifications/service";
import { installProcessGuards } from "./ops/process-guards";
import { handleSignals } from "./ops/signals";
import type { Broadcaster } from "./realtime/broadcaster";
import { createTaskRuntime } from "./tasks/runtime";

/**
 * `npm run worker`: processes background tasks. Start as many as the load needs; they share the queue in Redis
 * and reach browsers through the Socket.IO adapter's channels, holding no sockets themselves.
 */
async function main(): Promise<void> {
  const config = readConfigOrExit();
  const logger = createLogger({
    level: config.logLevel,
    pretty: config.dev,
    base: { worker: config.instanceId },
  });
  if (config.mode !== "redis") {
    console.error(
      "npm run worker needs REDIS_URL (or REDIS_CLUSTER_NODES) and DATABASE_URL: in embedded mode the web process runs tasks itself",
    );
    process.exit(1);
  }
  installProcessGuards(logger);
  const backends = await createRedisBackends(config, logger);
  const redis = backends.redis!;
  // The emitter speaks the classic adapter's channels only. On a Cluster (sharded adapter) a Socket.IO server that
  // is not attached to HTTP, with the same adapter, publishes instead.
  const detached = config.redis.clusterNodes ? new Server({ adapter: backends.adapter }) : undefined;
  const broadcaster = (detached ??
    new Emitter(redis.pub, { key: adapterKey(config.redis.keyPrefix) })) as unknown as Broadcaster;
  const stores = await backends.stores();
  const boards = new BoardService({ store: stores.boards, users: backends.users, logger });
  const notifications = new NotificationService(stores.notifications, broadcaster, logger);
  const runtime = await createTaskRuntime({ config, logger, stores, boards, notifications, broadcaster });
  const worker = await runtime.queue.runWorker(runtime.processor, { concurrency: config.tasks.concurrency });

  const port = config.tasks.workerHealthPort;
  const health = port
    ? createServer((req, res) => {
        void backends.health().then(({ redis: status, database }) => {
          const live = req.url === "/api/live";
          const ready = status === "up" && database !== "down";
          res.writeHead(live || ready ? 200 : 503, { "content-type": "application/json" });
          res.end(
            JSON.stringify({
              status: live ? "alive" : ready ? "ok" : "unavailable",
              worker: config.instanceId,
              redis: status,
              database,
            }),
          );
        });
      }).listen(port)
    : undefined;

  handleSignals({
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    shutdown: async () => {
      health?.close();
      // Active jobs get to finish their current step; ones that cannot are picked up again by another worker.
      await worker.close();
      await runtime.close();
      await detached?.close();
      await backends.close();
    },
  });
  logger.info({ concurrency: config.tasks.concurrency }, "worker ready");
}

main().catch((err: unknown) => {
  console.error(`worker failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
