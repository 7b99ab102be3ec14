import { OP_BATCH_MAX_ENTRIES, type CommittedOp } from "@/lib/protocol/boards";
import { defineFeature } from "../features";
import type { Logger } from "../logging/logger";
import { boardRoom } from "../realtime/rooms";
import type { AppServer } from "../realtime/types";

declare module "../features" {
  interface Services {
    "board-fanout": OpFanout;
  }
}

/**
 * Delivers a board's committed ops to its room, coalesced: the first op of a board that has not broadcast within
 * the window goes out at once (a board at 10 ops/s waits for nothing), and ops committed within the window after a
 * broadcast are held and go out together when it ends, as one `board:ops` (or one `board:op` if only one was held).
 * So a busy board costs at most one frame per window per instance, encoded once for every recipient (one
 * `io.to(room).emit`, which is also one publish through the Redis adapter), instead of one frame per op per socket.
 */
export interface OpFanout {
  /**
   * Hands a committed op over for delivery. `sender` (a socket id) has the op in its ack: it is left out of a frame
   * that carries only this op. `now` sends everything held for the board at once, this op included, before returning.
   */
  publish(boardId: string, entry: CommittedOp, opts?: { sender?: string; now?: boolean }): void;
  /** Sends what is held for the board now. */
  flush(boardId: string): void;
  /** Boards with ops held right now. */
  readonly holding: number;
  /** Boards within a window after a broadcast: their next op is held. */
  readonly busy: number;
  /** Sends everything held and delivers every later op at once, unbatched. Idempotent. */
  close(): void;
}

export interface OpFanoutOptions {
  io: Pick<AppServer, "to">;
  /** `BOARD_OP_BATCH_MS`: 0 sends every op on its own at once. */
  windowMs: number;
  /** Ops per frame at most; a window that holds more goes out in several frames. */
  maxEntries?: number;
  /**
   * About this many bytes of ops per frame at most (an op larger than that goes in a frame of its own): a window of
   * large ops goes out in several frames as they fill, so that no one frame is a large string in this process, or
   * more than the outbound cap (outbound-cap.ts) takes at a time. Measured as JSON characters.
   */
  maxBytes?: number;
  /** Where a broadcast that throws at a window's end is reported (clients catch up by revision). */
  logger?: Pick<Logger, "warn">;
}

/** `maxBytes` by default: a few hundred typical ops, well under `OUTBOUND_BUFFER_MAX_BYTES`'s default (1 MiB). */
export const OP_FRAME_MAX_BYTES = 64 * 1024;

interface Held {
  entry: CommittedOp;
  sender?: string;
  /** The op's size as JSON, for ops held in a window. */
  bytes: number;
}

interface BoardWindow {
  held: Held[];
  /** The held ops' `bytes` together. */
  bytes: number;
  timer: ReturnType<typeof setTimeout>;
}

/** In ascending revision order, each revision once (an op published again, e.g. a resent duplicate, goes once). */
function inRevisionOrder(held: Held[]): Held[] {
  let sorted = true;
  for (let i = 1; i < held.length; i++) if (held[i]!.entry.rev <= held[i - 1]!.entry.rev) sorted = false;
  if (sorted) return held;
  const byRev = new Map<number, Held>();
  for (const h of held) if (!byRev.has(h.entry.rev)) byRev.set(h.entry.rev, h);
  return [...byRev.values()].sort((a, b) => a.entry.rev - b.entry.rev);
}

export function createOpFanout({
  io,
  windowMs,
  maxEntries = OP_BATCH_MAX_ENTRIES,
  maxBytes = OP_FRAME_MAX_BYTES,
  logger,
}: OpFanoutOptions): OpFanout {
  const windows = new Map<string, BoardWindow>();
  let closed = false;

  const send = (boardId: string, held: Held[]) => {
    const room = boardRoom(boardId);
    if (held.length === 1) {
      const { entry, sender } = held[0]!;
      (sender ? io.to(room).except(sender) : io.to(room)).emit("board:op", { boardId, entry });
    } else if (held.length > 1) {
      io.to(room).emit("board:ops", { boardId, entries: held.map((h) => h.entry) });
    }
  };

  /** In frames of at most `maxEntries` ops and about `maxBytes` (one op larger than that goes alone). */
  const sendAll = (boardId: string, held: Held[]) => {
    let frame: Held[] = [];
    let bytes = 0;
    for (const h of inRevisionOrder(held)) {
      if (frame.length > 0 && (frame.length >= maxEntries || bytes + h.bytes > maxBytes)) {
        send(boardId, frame);
        frame = [];
        bytes = 0;
      }
      frame.push(h);
      bytes += h.bytes;
    }
    if (frame.length > 0) send(boardId, frame);
  };

  /** The window after a broadcast: what arrives in it is held until it ends. */
  const openWindow = (boardId: string) => {
    const w: BoardWindow = {
      held: [],
      bytes: 0,
      timer: setTimeout(() => endWindow(boardId, w), windowMs),
    };
    windows.set(boardId, w);
  };

  const endWindow = (boardId: string, w: BoardWindow) => {
    if (windows.get(boardId) !== w) return;
    windows.delete(boardId);
    if (w.held.length === 0) return; // Quiet: the next op goes out at once.
    openWindow(boardId);
    try {
      sendAll(boardId, w.held);
    } catch (err) {
      // A timer must not take the process down; viewers fetch what they missed when their next op shows a gap.
      logger?.warn({ err, board: boardId }, "broadcasting a board's ops failed");
    }
  };

  const flush = (boardId: string) => {
    const w = windows.get(boardId);
    if (!w || w.held.length === 0) return;
    clearTimeout(w.timer);
    windows.delete(boardId);
    sendAll(boardId, w.held);
    if (!closed) openWindow(boardId);
  };

  return {
    publish(boardId, entry, opts = {}) {
      let w = windows.get(boardId);
      if (!w) {
        send(boardId, [{ entry, sender: opts.sender, bytes: 0 }]);
        if (windowMs > 0 && !closed) openWindow(boardId);
        return;
      }
      const bytes = JSON.stringify(entry).length;
      if (w.held.length > 0 && w.bytes + bytes > maxBytes) {
        // The frame is full: what is held goes now, and this op starts the next one.
        flush(boardId);
        w = windows.get(boardId);
        if (!w) return send(boardId, [{ entry, sender: opts.sender, bytes }]);
      }
      w.held.push({ entry, sender: opts.sender, bytes });
      w.bytes += bytes;
      if (opts.now || w.held.length >= maxEntries || w.bytes >= maxBytes) flush(boardId);
    },
    flush,
    get holding() {
      let n = 0;
      for (const w of windows.values()) if (w.held.length > 0) n++;
      return n;
    },
    get busy() {
      return windows.size;
    },
    close() {
      if (closed) return;
      closed = true;
      for (const boardId of [...windows.keys()]) flush(boardId);
      for (const w of windows.values()) clearTimeout(w.timer);
      windows.clear();
    },
  };
}

/**
 * The instance's op delivery, shared by everything that commits ops (socket handlers, the push API, live feeds).
 * On shutdown it sends what it holds, so an acknowledged op is never left unpublished (through the Redis adapter
 * it still reaches the other instances' viewers after this instance's sockets are closed).
 */
export const boardFanoutFeature = defineFeature({
  name: "board-fanout",
  setup(ctx) {
    const fanout = createOpFanout({ io: ctx.io, windowMs: ctx.config.boardOpBatchMs, logger: ctx.logger });
    ctx.onShutdown(() => fanout.close());
    return fanout;
  },
});
