import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io as connectClient, type Socket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import type { CommittedOp } from "@/lib/protocol/boards";
import { eventually } from "../testing/board-client";
import { boardRoom } from "../realtime/rooms";
import type { AppServer } from "../realtime/types";
import { createOpFanout, type OpFanout } from "./op-fanout";

const BOARD = "b1";
const entry = (rev: number): CommittedOp => ({
  rev,
  opId: `op-${rev}`,
  op: { type: "board.rename", title: `T${rev}`, baseRev: rev - 1 },
  by: "alice",
  at: rev,
});

/** What one client saw, frame by frame: a board:op as one rev, a board:ops as the list of its revs. */
type Frame = { event: "board:op"; rev: number } | { event: "board:ops"; revs: number[] };

/**
 * A real Socket.IO server on port 0 whose clients all join the board's room, and a fan-out on it. The window is
 * long (ten minutes) unless the test says otherwise, so a window ends only when the test flushes it: what goes out
 * in which frame does not depend on the machine's speed.
 */
async function stage(windowMs = 600_000, clients = 2, maxEntries?: number, maxBytes?: number) {
  const http = createServer();
  const srv = new Server(http) as unknown as AppServer;
  srv.on("connection", (socket) => void socket.join(boardRoom(BOARD)));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  const sockets: Socket[] = [];
  const frames: Frame[][] = [];
  for (let i = 0; i < clients; i++) {
    const socket = connectClient(`http://127.0.0.1:${port}`, { transports: ["websocket"], forceNew: true });
    const seen: Frame[] = [];
    socket.on("board:op", ({ entry: e }: { entry: CommittedOp }) =>
      seen.push({ event: "board:op", rev: e.rev }),
    );
    socket.on("board:ops", ({ entries }: { entries: CommittedOp[] }) =>
      seen.push({ event: "board:ops", revs: entries.map((e) => e.rev) }),
    );
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    sockets.push(socket);
    frames.push(seen);
  }
  await eventually(() => expect(srv.of("/").adapter.rooms.get(boardRoom(BOARD))?.size).toBe(clients));
  const fanout = createOpFanout({ io: srv, windowMs, maxEntries, maxBytes });
  staged.push({ srv, sockets, fanout });
  /** Resolves once every client has received everything sent before this call (one connection keeps order). */
  const settled = async () => {
    srv.to(boardRoom(BOARD)).emit("board:resync", { boardId: "marker" });
    await Promise.all(
      sockets.map((s) => new Promise<void>((resolve) => s.once("board:resync", () => resolve()))),
    );
  };
  return { srv, sockets, frames, fanout, settled };
}

const staged: { srv: AppServer; sockets: Socket[]; fanout: OpFanout }[] = [];

afterEach(async () => {
  for (const { srv, sockets, fanout } of staged.splice(0)) {
    fanout.close();
    sockets.forEach((s) => s.close());
    await srv.close();
  }
});

describe("op fan-out", () => {
  it("sends a quiet board's first op at once, then holds the window's ops for one board:ops to everyone", async () => {
    const { sockets, frames, fanout, settled } = await stage();
    const senderId = sockets[0]!.id!;
    fanout.publish(BOARD, entry(1), { sender: senderId });
    await settled();
    // The first op went out alone, at once, to everyone but its sender (who has it in its ack).
    expect(frames).toEqual([[], [{ event: "board:op", rev: 1 }]]);
    for (const rev of [2, 3, 4, 5]) fanout.publish(BOARD, entry(rev), { sender: senderId });
    await settled();
    expect(fanout.holding).toBe(1);
    expect(frames[1]).toEqual([{ event: "board:op", rev: 1 }]);
    fanout.flush(BOARD);
    await settled();
    // One frame for four ops, in revision order; the sender gets it too (a frame of several ops is one broadcast).
    expect(frames).toEqual([
      [{ event: "board:ops", revs: [2, 3, 4, 5] }],
      [
        { event: "board:op", rev: 1 },
        { event: "board:ops", revs: [2, 3, 4, 5] },
      ],
    ]);
  });

  it("sends a window that held one op as a board:op that skips its sender", async () => {
    const { sockets, frames, fanout, settled } = await stage();
    const senderId = sockets[0]!.id!;
    fanout.publish(BOARD, entry(1));
    fanout.publish(BOARD, entry(2), { sender: senderId });
    fanout.flush(BOARD);
    await settled();
    expect(frames).toEqual([
      [{ event: "board:op", rev: 1 }],
      [
        { event: "board:op", rev: 1 },
        { event: "board:op", rev: 2 },
      ],
    ]);
  });

  it("ends the window by itself: held ops go out when it ends, and the board is quiet again after an empty one", async () => {
    const { frames, fanout, settled } = await stage(30, 1);
    fanout.publish(BOARD, entry(1));
    fanout.publish(BOARD, entry(2));
    fanout.publish(BOARD, entry(3));
    await eventually(() =>
      expect(frames[0]).toEqual([
        { event: "board:op", rev: 1 },
        { event: "board:ops", revs: [2, 3] },
      ]),
    );
    // The window after that frame ends empty; then the board is quiet and its next op goes out at once.
    await eventually(() => expect(fanout.busy).toBe(0));
    fanout.publish(BOARD, entry(4));
    await settled();
    expect(frames[0]?.at(-1)).toEqual({ event: "board:op", rev: 4 });
  });

  it("with a window of 0 sends one frame per op", async () => {
    const { frames, fanout, settled } = await stage(0, 1);
    for (const rev of [1, 2, 3, 4]) fanout.publish(BOARD, entry(rev));
    expect(fanout.holding).toBe(0);
    await settled();
    expect(frames[0]).toEqual([1, 2, 3, 4].map((rev) => ({ event: "board:op", rev })));
  });

  it("keeps boards apart, sorts a window's ops by revision and sends a revision published twice once", async () => {
    const { frames, fanout, settled } = await stage(600_000, 1);
    fanout.publish(BOARD, entry(1));
    fanout.publish("other", entry(7));
    for (const rev of [4, 2, 3, 2]) fanout.publish(BOARD, entry(rev));
    fanout.publish("other", entry(8));
    fanout.flush(BOARD);
    fanout.flush("other");
    await settled();
    // The client is in b1's room only.
    expect(frames[0]).toEqual([
      { event: "board:op", rev: 1 },
      { event: "board:ops", revs: [2, 3, 4] },
    ]);
  });

  it("splits a window of more than maxEntries ops into frames of at most that many, sent as they fill", async () => {
    const { frames, fanout, settled } = await stage(600_000, 1, 3);
    for (let rev = 1; rev <= 8; rev++) fanout.publish(BOARD, entry(rev));
    await settled();
    expect(frames[0]).toEqual([
      { event: "board:op", rev: 1 },
      { event: "board:ops", revs: [2, 3, 4] },
      { event: "board:ops", revs: [5, 6, 7] },
    ]);
    fanout.flush(BOARD);
    await settled();
    expect(frames[0]?.at(-1)).toEqual({ event: "board:op", rev: 8 });
  });

  it("splits a window of large ops into frames of about maxBytes, sent as they fill; a larger op goes alone", async () => {
    // A note of `chars` characters: its entry is that much plus some 100 characters of JSON around it.
    const note = (rev: number, chars: number): CommittedOp => ({
      ...entry(rev),
      op: { type: "board.rename", title: "x".repeat(chars), baseRev: rev - 1 },
    });
    const { frames, fanout, settled } = await stage(600_000, 1, undefined, 1_000);
    fanout.publish(BOARD, note(1, 10));
    // Entries of about 400: 2 and 3 fit in a frame together; 4 would pass 1,000, so 2 and 3 go as it comes.
    fanout.publish(BOARD, note(2, 300));
    fanout.publish(BOARD, note(3, 300));
    fanout.publish(BOARD, note(4, 300));
    await settled();
    expect(frames[0]).toEqual([
      { event: "board:op", rev: 1 },
      { event: "board:ops", revs: [2, 3] },
    ]);
    fanout.publish(BOARD, note(5, 300));
    fanout.flush(BOARD);
    // An op larger than maxBytes: what is held goes before it, and it goes alone.
    fanout.publish(BOARD, note(6, 10));
    fanout.publish(BOARD, note(7, 5_000));
    fanout.publish(BOARD, note(8, 10));
    fanout.flush(BOARD);
    await settled();
    expect(frames[0]?.slice(2)).toEqual([
      { event: "board:ops", revs: [4, 5] },
      { event: "board:op", rev: 6 },
      { event: "board:op", rev: 7 },
      { event: "board:op", rev: 8 },
    ]);
  });

  it("sends at once, with what the board holds, an op published with now (a revocation)", async () => {
    const { frames, fanout, settled } = await stage(600_000, 1);
    fanout.publish(BOARD, entry(1));
    fanout.publish(BOARD, entry(2));
    fanout.publish(BOARD, entry(3), { now: true });
    await settled();
    expect(frames[0]).toEqual([
      { event: "board:op", rev: 1 },
      { event: "board:ops", revs: [2, 3] },
    ]);
  });

  it("on close sends what it holds and then every op at once", async () => {
    const { frames, fanout, settled } = await stage(600_000, 1);
    fanout.publish(BOARD, entry(1));
    fanout.publish(BOARD, entry(2));
    fanout.publish(BOARD, entry(3));
    fanout.close();
    fanout.close();
    expect(fanout.holding).toBe(0);
    fanout.publish(BOARD, entry(4));
    fanout.publish(BOARD, entry(5));
    await settled();
    expect(frames[0]).toEqual([
      { event: "board:op", rev: 1 },
      { event: "board:ops", revs: [2, 3] },
      { event: "board:op", rev: 4 },
      { event: "board:op", rev: 5 },
    ]);
  });
});
