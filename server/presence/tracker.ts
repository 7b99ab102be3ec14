import type { PresenceViewer } from "@/lib/protocol/boards";
import type { Logger } from "../logging/logger";
import { boardRoom } from "../realtime/rooms";
import type { AppServer, AppSocket } from "../realtime/types";
import { aggregateViewers } from "./aggregate";
import type { PresenceStore } from "./store";

export interface PresenceTrackerDeps {
  store: PresenceStore;
  io: AppServer;
  instanceId: string;
  leaseMs: number;
  logger: Logger;
}

/**
 * Joins, leaves and editing changes of one board that fall within one window share one read of the board's
 * presence and one broadcast. Without it, N viewers opening a board cost N reads of N entries and N broadcasts to
 * N sockets: quadratic, and a room of thousands stalls the instance. The window grows with the room (0.2 ms per
 * local viewer, from 50 ms up to 2 s), so that presence costs at most about 5,000 deliveries a second per board
 * on each instance, however many watch it.
 */
const COALESCE_MS = 50;
const COALESCE_PER_VIEWER_MS = 0.2;
const COALESCE_MAX_MS = 2_000;

/**
 * Board presence across instances. Joins and leaves are broadcast to the board's room within one coalescing window. Every
 * third of a lease this instance renews its own entries and re-reads the boards its sockets view: when entries of a
 * crashed instance have expired, the change reaches this instance's viewers without anyone having to act.
 */
export class PresenceTracker {
  private readonly local = new Map<string, Map<string, AppSocket>>();
  private readonly lastSent = new Map<string, string>();
  private readonly editing = new Map<string, string | null>();
  private timer?: ReturnType<typeof setInterval>;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly scheduled = new Map<string, Promise<PresenceViewer[]>>();

  constructor(private readonly deps: PresenceTrackerDeps) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), Math.max(200, Math.floor(this.deps.leaseMs / 3)));
    this.timer.unref();
    // A socket taken out of a board's room by anyone (access revoked, board deleted, from any instance through the
    // adapter) stops viewing it: presence follows the room.
    this.deps.io.of("/").adapter.on("leave-room", (room: string, socketId: string) => {
      if (!room.startsWith("board:")) return;
      const boardId = room.slice("board:".length);
      const socket = [...(this.local.get(boardId)?.values() ?? [])].find((s) => s.id === socketId);
      if (socket) this.track(this.leave(socket, boardId));
    });
  }

  private track(done: Promise<unknown>): void {
    const settled = done.then(
      () => undefined,
      (err: unknown) => this.deps.logger.debug({ err }, "presence update failed"),
    );
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }

  /** A socket that has disconnected is never registered: nothing would ever remove its entry. */
  async join(socket: AppSocket, boardId: string): Promise<PresenceViewer[]> {
    if (socket.disconnected) return this.viewers(boardId);
    let sockets = this.local.get(boardId);
    if (!sockets) this.local.set(boardId, (sockets = new Map()));
    sockets.set(socket.data.connectionId, socket);
    await this.deps.store.upsert(boardId, this.entryOf(socket, boardId), this.deps.leaseMs);
    return this.broadcast(boardId);
  }

  async leave(socket: AppSocket, boardId: string): Promise<void> {
    const sockets = this.local.get(boardId);
    if (!sockets?.delete(socket.data.connectionId)) return;
    if (sockets.size === 0) {
      this.local.delete(boardId);
      this.lastSent.delete(boardId);
    }
    this.editing.delete(`${boardId}|${socket.data.connectionId}`);
    await this.deps.store.remove(boardId, socket.data.connectionId);
    await this.broadcast(boardId);
  }

  /** On disconnect. Tracked, so that shutdown waits for these before Redis closes. */
  leaveAll(socket: AppSocket): Promise<void> {
    const boards = [...this.local].filter(([, s]) => s.has(socket.data.connectionId)).map(([id]) => id);
    const done = Promise.all(boards.map((id) => this.leave(socket, id))).then(() => undefined);
    this.track(done);
    return done;
  }

  async setEditing(socket: AppSocket, boardId: string, widgetId: string | null): Promise<void> {
    if (!this.local.get(boardId)?.has(socket.data.connectionId)) return;
    this.editing.set(`${boardId}|${socket.data.connectionId}`, widgetId);
    await this.deps.store.upsert(boardId, this.entryOf(socket, boardId), this.deps.leaseMs);
    await this.broadcast(boardId);
  }

  /** Boards that sockets of this instance are viewing now. */
  localBoards(): string[] {
    return [...this.local.keys()];
  }

  viewers(boardId: string): Promise<PresenceViewer[]> {
    return this.deps.store.list(boardId).then(aggregateViewers);
  }

  /** On shutdown: this instance's viewers leave every board, so others see them go at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight]);
    const all = [...this.local].flatMap(([boardId, sockets]) =>
      [...sockets.values()].map((s) => [boardId, s] as const),
    );
    await Promise.allSettled(all.map(([boardId, socket]) => this.leave(socket, boardId)));
  }

  private entryOf(socket: AppSocket, boardId: string) {
    return {
      connectionId: socket.data.connectionId,
      user: socket.data.user.name,
      instanceId: this.deps.instanceId,
      editing: this.editing.get(`${boardId}|${socket.data.connectionId}`) ?? null,
    };
  }

  /**
   * Resolves with the viewers as read after this call, once they are broadcast. Calls within one window share
   * one read; a change made while that read runs schedules the next one, so the last state is always sent.
   */
  private broadcast(boardId: string): Promise<PresenceViewer[]> {
    let next = this.scheduled.get(boardId);
    if (!next) {
      const room = this.local.get(boardId)?.size ?? 0;
      const delay = Math.min(COALESCE_MAX_MS, Math.max(COALESCE_MS, room * COALESCE_PER_VIEWER_MS));
      next = new Promise((resolve) => setTimeout(resolve, delay)).then(() => {
        this.scheduled.delete(boardId);
        return this.broadcastNow(boardId);
      });
      this.scheduled.set(boardId, next);
    }
    return next;
  }

  private async broadcastNow(boardId: string): Promise<PresenceViewer[]> {
    const viewers = await this.viewers(boardId);
    this.lastSent.set(boardId, JSON.stringify(viewers));
    this.deps.io.to(boardRoom(boardId)).emit("board:presence", { boardId, viewers });
    return viewers;
  }

  private async tick(): Promise<void> {
    for (const [boardId, sockets] of this.local) {
      try {
        const { store, leaseMs } = this.deps;
        // A socket that disconnected without its cleanup running (it always should) stops viewing here, so that
        // its lease is not renewed forever.
        const gone = [...sockets.values()].filter((s) => s.disconnected);
        if (gone.length > 0) await Promise.all(gone.map((s) => this.leave(s, boardId)));
        if (sockets.size === 0) continue;
        await store.renew(boardId, [...sockets.keys()], leaseMs);
        let entries = await store.list(boardId);
        // An entry can lapse while Redis is away; a socket still here must come back into the list.
        const present = new Set(entries.map((e) => e.connectionId));
        const lapsed = [...sockets.values()].filter((s) => !present.has(s.data.connectionId));
        if (lapsed.length > 0) {
          await Promise.all(lapsed.map((s) => store.upsert(boardId, this.entryOf(s, boardId), leaseMs)));
          entries = await store.list(boardId);
        }
        const viewers = aggregateViewers(entries);
        const json = JSON.stringify(viewers);
        if (json !== this.lastSent.get(boardId)) {
          this.lastSent.set(boardId, json);
          this.deps.io.local.to(boardRoom(boardId)).emit("board:presence", { boardId, viewers });
        }
      } catch (err) {
        this.deps.logger.debug({ err, boardId }, "presence renewal failed; retrying next tick");
      }
    }
  }
}
