import { defineFeature, type FeatureContext } from "../features";
import { boardRoom } from "../realtime/rooms";
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

/** How often each instance purges boards deleted more than 30 days ago (listing a trash purges it too). */
const TRASH_SWEEP_MS = 60 * 60 * 1000;

function sweepTrash(ctx: FeatureContext, service: BoardService): void {
  const timer = setInterval(() => {
    service
      .purgeExpired()
      .then((purged) => purged > 0 && ctx.logger.info({ purged }, "deleted boards purged after 30 days"))
      .catch((err: unknown) => ctx.logger.warn({ err }, "purging deleted boards failed"));
  }, TRASH_SWEEP_MS);
  timer.unref();
  ctx.onShutdown(() => clearInterval(timer));
}

/** How often boards that were read without being opened (lists, pushes, feeds) leave memory. */
const RELEASE_SWEEP_MS = 60_000;

/**
 * A board nobody has open is not kept in memory: when the last socket of this instance leaves its room (leave,
 * disconnect, revoke), the board's document is released; documents read without anyone joining (a board list, an
 * HTTP push, a feed) go on the next sweep unless someone has the board open by then.
 */
function releaseClosedBoards(ctx: FeatureContext, service: BoardService): void {
  const adapter = ctx.io.of("/").adapter;
  const prefix = boardRoom("");
  const release = (boardId: string) =>
    service
      .release(boardId)
      .catch((err: unknown) => ctx.logger.warn({ err, board: boardId }, "board release failed"));
  adapter.on("delete-room", (room: string) => {
    if (room.startsWith(prefix)) void release(room.slice(prefix.length));
  });
  const sweep = setInterval(() => {
    for (const boardId of service.inMemory())
      if (!adapter.rooms.has(boardRoom(boardId))) void release(boardId);
  }, RELEASE_SWEEP_MS);
  sweep.unref();
  ctx.onShutdown(() => clearInterval(sweep));
}

/** Boards: their docs and op logs, the board events and the push routes. */
export const boardsFeature = defineFeature({
  name: "boards",
  needs: ["notifications", "quotas", "presence", "board-fanout"],
  setup(ctx, { notifications, quotas, presence, "board-fanout": fanout }) {
    const service = new BoardService({
      store: ctx.stores.boards,
      users: ctx.backends.users,
      notifications,
      logger: ctx.logger,
    });
    registerBoardHandlers(ctx, { service, presence, quotas, fanout });
    registerPushRoutes(ctx, service, fanout);
    hintResyncOnReconnect(ctx);
    sweepTrash(ctx, service);
    releaseClosedBoards(ctx, service);
    return service;
  },
});
