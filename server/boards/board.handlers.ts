import type { CommittedOp } from "@/lib/protocol/boards";
import { socketActor } from "../audit/actor";
import { AppError } from "@/lib/protocol/errors";
import type { FeatureContext } from "../features";
import type { PresenceTracker } from "../presence/tracker";
import type { Quotas } from "../quotas/quotas";
import { boardRoom } from "../realtime/rooms";
import { userRoom, type AppSocket } from "../realtime/types";
import type { OpFanout } from "./op-fanout";
import type { BoardService } from "./service";

/** Cursor moves beyond this rate are dropped: they are volatile, and the next one supersedes them anyway. */
const CURSOR_MIN_INTERVAL_MS = 40;

export interface BoardHandlerDeps {
  service: BoardService;
  presence: PresenceTracker;
  quotas: Quotas;
  fanout: OpFanout;
}

/**
 * Publishes a committed op to everyone viewing the board, on every instance, through the instance's fan-out, which
 * coalesces a busy board's ops into `board:ops` frames. The sender already has it in its ack. Duplicates are
 * published again: harmless (clients drop revisions they have), and it heals a broadcast lost when the first
 * attempt's instance died between commit and publish. A revocation first sends what the board holds, itself
 * included, so the revoked user gets every op up to it, then takes the user out of the room.
 */
export function publishOp(
  ctx: FeatureContext,
  fanout: OpFanout,
  boardId: string,
  entry: CommittedOp,
  except?: AppSocket,
): void {
  const { op } = entry;
  const revoked = op.type === "member.set" && op.role === null ? op.user : null;
  fanout.publish(boardId, entry, { sender: except?.id, now: revoked !== null });
  if (revoked !== null) {
    ctx.io.in(userRoom(revoked)).socketsLeave(boardRoom(boardId));
    ctx.io.to(userRoom(revoked)).emit("board:closed", { boardId, reason: "access-revoked", by: entry.by });
  }
}

const gone = () => new AppError("UNAVAILABLE", "the connection closed while joining the board");
const revoked = () => new AppError("NOT_FOUND", "no such board, or it is not shared with you");

/** Runs each socket's steps one at a time, in the order they were queued, whether the previous one failed or not. */
function serialPerSocket() {
  const tails = new WeakMap<AppSocket, Promise<unknown>>();
  return <T>(socket: AppSocket, step: () => Promise<T>): Promise<T> => {
    const run = (tails.get(socket) ?? Promise.resolve()).then(step, step);
    tails.set(
      socket,
      run.catch(() => undefined),
    );
    return run;
  };
}

export function registerBoardHandlers(
  ctx: FeatureContext,
  { service, presence, quotas, fanout }: BoardHandlerDeps,
): void {
  const { events } = ctx;
  const lastCursor = new WeakMap<AppSocket, number>();

  events.handle("board:list", async (_p, { user }) => ({ boards: await service.list(user.name) }));

  /** Runs `make` (a new or restored board) within the user's quota of boards owned. */
  const withinOwnedQuota = <T>(user: string, make: () => Promise<T>) => {
    const owned = async () => (await service.list(user)).filter((b) => b.owner === user).length;
    return quotas.admitCreation(user, "boards-owned", owned, make);
  };

  events.handle("board:create", async ({ title }, { user }) => ({
    board: await withinOwnedQuota(user.name, () => service.create(user.name, title)),
  }));

  events.handle("board:delete", async ({ boardId }, { user, socket }) => {
    await service.delete(user.name, boardId, socketActor(ctx.clientIps, socket));
    ctx.io.to(boardRoom(boardId)).emit("board:closed", { boardId, reason: "deleted", by: user.name });
    ctx.io.in(boardRoom(boardId)).socketsLeave(boardRoom(boardId));
    return {};
  });

  events.handle("board:deleted", async (_p, { user }) => ({ boards: await service.listDeleted(user.name) }));

  events.handle("board:restore", async ({ boardId }, { user, socket }) => ({
    board: await withinOwnedQuota(user.name, () =>
      service.restore(user.name, boardId, socketActor(ctx.clientIps, socket)),
    ),
  }));

  events.handle("board:history", ({ boardId, beforeRev, limit }, { user }) =>
    service.history(user.name, boardId, beforeRev, limit),
  );

  events.handle("board:revision", async ({ boardId, rev }, { user }) => ({
    board: await service.revision(user.name, boardId, rev),
  }));

  // board:join, board:leave and the disconnect cleanup of one socket run one after another, in arrival order: a
  // disconnect that arrives while a join awaits the store is handled after that join, never before it.
  const inOrder = serialPerSocket();

  events.handle("board:join", ({ boardId }, { user, socket }) =>
    inOrder(socket, async () => {
      const room = boardRoom(boardId);
      await service.open(user.name, boardId);
      if (socket.disconnected) throw gone();
      if (!socket.rooms.has(room)) {
        quotas.checkBoardsJoined([...socket.rooms].filter((r) => r.startsWith(boardRoom(""))).length);
      }
      // Join the room before reading the board, so that no op can fall between the snapshot and the broadcasts.
      await socket.join(room);
      try {
        // Read again once in the room: a revoke committed before this read is seen here, and one committed after
        // it takes the socket out of the room (publishOp), which the checks below notice.
        const { doc, role } = await service.open(user.name, boardId);
        if (socket.disconnected) throw gone();
        if (!socket.rooms.has(room)) throw revoked();
        const viewers = await presence.join(socket, boardId);
        if (socket.disconnected) throw gone();
        if (!socket.rooms.has(room)) throw revoked();
        return { board: doc, role, presence: viewers };
      } catch (err) {
        await socket.leave(room);
        await presence.leave(socket, boardId);
        throw err;
      }
    }),
  );

  events.handle("board:leave", ({ boardId }, { socket }) =>
    inOrder(socket, async () => {
      await socket.leave(boardRoom(boardId));
      await presence.leave(socket, boardId);
      return {};
    }),
  );

  events.handle("board:sync", ({ boardId, sinceRev }, { user }) =>
    service.sync(user.name, boardId, sinceRev),
  );

  events.handle("board:op", async ({ boardId, opId, op }, { user, socket }) => {
    const { entry, doc } = await service.apply(
      user.name,
      boardId,
      opId,
      op,
      socketActor(ctx.clientIps, socket),
    );
    publishOp(ctx, fanout, boardId, entry, socket);
    // The person whose access changed hears it live, on every tab, wherever they are in the app.
    if (entry.op.type === "member.set")
      ctx.io.to(userRoom(entry.op.user)).emit("board:access", {
        boardId,
        title: doc.title,
        role: entry.op.role,
        by: entry.by,
      });
    return { entry };
  });

  events.handle("users:suggest", async ({ prefix }, { user }) => ({
    users: await service.suggestUsers(user.name, prefix),
  }));

  events.handle("board:editing", async ({ boardId, widgetId }, { socket }) => {
    await presence.setEditing(socket, boardId, widgetId);
    return {};
  });

  events.handle("board:cursor", ({ boardId, x, y }, { user, socket }) => {
    const room = boardRoom(boardId);
    const now = Date.now();
    if (!socket.rooms.has(room) || now - (lastCursor.get(socket) ?? 0) < CURSOR_MIN_INTERVAL_MS) return {};
    lastCursor.set(socket, now);
    socket.volatile.to(room).emit("board:cursor", { boardId, user: user.name, x, y });
    return {};
  });

  // One listener for every socket (Socket.IO calls it with the socket as `this`), not a closure per connection.
  const leaveAll = (socket: AppSocket) =>
    inOrder(socket, () => presence.leaveAll(socket)).catch((err: unknown) =>
      ctx.logger.debug({ err }, "presence cleanup failed"),
    );
  const leaveAllOnDisconnect = function (this: AppSocket) {
    void leaveAll(this);
  };
  ctx.io.on("connection", (socket) => socket.on("disconnect", leaveAllOnDisconnect));
}
