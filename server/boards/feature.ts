import { defineFeature, type FeatureContext } from "../features";
import { registerBoardHandlers } from "./board.handlers";
import { registerPushRoutes } from "./push.routes";
import { BoardService } from "./service";

declare module "../features" {
  interface Services {
    boards: BoardService;
  }
}

/**
 * Pub/sub drops messages silently while Redis is away. When the adapter's connections come back, tell this
 * instance's clients to check for missed ops; they fetch them with board:sync.
 */
function hintResyncOnReconnect(ctx: FeatureContext): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  ctx.backends.onAdapterReconnect(() => {
    clearTimeout(timer);
    timer = setTimeout(() => ctx.io.local.emit("board:resync", {}), 250);
    timer.unref();
  });
}

/** Boards: their docs and op logs, the board events and the push routes. */
export const boardsFeature = defineFeature({
  name: "boards",
  needs: ["notifications", "quotas", "presence"],
  setup(ctx, { notifications, quotas, presence }) {
    const service = new BoardService({
      store: ctx.stores.boards,
      users: ctx.backends.users,
      notifications,
      logger: ctx.logger,
    });
    registerBoardHandlers(ctx, { service, presence, quotas });
    registerPushRoutes(ctx, service);
    hintResyncOnReconnect(ctx);
    return service;
  },
});
