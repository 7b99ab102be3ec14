import { requireService, type Feature, type FeatureContext } from "../features";
import { PresenceTracker } from "../presence/tracker";
import { MemoryPresenceStore } from "../presence/store.memory";
import { RedisPresenceStore } from "../presence/store.redis";
import { registerBoardHandlers } from "./board.handlers";
import { registerPushRoutes } from "./push.routes";
import { BoardService } from "./service";
import type { BoardStore } from "./store";
import { FileBoardStore } from "./store.file";
import { RedisBoardStore } from "./store.redis";

declare module "../features" {
  interface Services {
    boards: BoardService;
    presence: PresenceTracker;
  }
}

async function createBoardStore(ctx: FeatureContext): Promise<BoardStore> {
  const redis = ctx.backends.redis;
  return redis ? new RedisBoardStore(redis.command, redis.keys) : FileBoardStore.open(ctx.config.dataDir);
}

/**
 * Pub/sub drops messages silently while Redis is away. When the adapter's connections come back, tell this
 * instance's clients to check for missed ops; they fetch them with board:sync.
 */
function hintResyncOnReconnect(ctx: FeatureContext): void {
  const redis = ctx.backends.redis;
  if (!redis) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hint = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ctx.io.local.emit("board:resync", {}), 250);
    timer.unref();
  };
  for (const client of [redis.pub, redis.sub]) {
    let first = client.status === "ready";
    client.on("ready", () => {
      if (first) hint();
      first = true;
    });
  }
}

export const boardsFeature: Feature = {
  name: "boards",
  async setup(ctx) {
    const store = await createBoardStore(ctx);
    const redis = ctx.backends.redis;
    const service = new BoardService({
      store,
      users: ctx.backends.users,
      notifications: requireService(ctx, "notifications"),
      logger: ctx.logger,
    });
    const presence = new PresenceTracker({
      store: redis ? new RedisPresenceStore(redis.command, redis.keys) : new MemoryPresenceStore(),
      io: ctx.io,
      instanceId: ctx.config.instanceId,
      leaseMs: ctx.config.instanceLeaseMs,
      logger: ctx.logger,
    });
    presence.start();
    registerBoardHandlers(ctx, { service, presence, quotas: requireService(ctx, "quotas") });
    registerPushRoutes(ctx, service);
    hintResyncOnReconnect(ctx);
    ctx.services.boards = service;
    ctx.services.presence = presence;
    ctx.onShutdown(async () => {
      await presence.stop();
      await store.close();
    });
  },
};
