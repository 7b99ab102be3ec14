import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BoardOpInput, CommittedOp } from "@/lib/protocol/boards";
import { TestBoardClient, createSharedBoard, eventually } from "../testing/board-client";
import { connectOk, tokenFor, type TestSocket } from "../testing/clients";
import { startInstance, startInstancesOnRedis, type TestInstance } from "../testing/instance";
import { TestRedisServer } from "../testing/redis-server";

const layout = { x: 0, y: 0, w: 4, h: 3 };
const item = (i: number): BoardOpInput => ({
  type: "checklist.add",
  widgetId: "c1",
  item: { id: `i${i}`, text: `item ${i}` },
});

/**
 * What a raw socket.io-client receives, frame by frame: a board:op as its rev, a board:ops as its revs,
 * board:closed as "closed". Frames of other boards are not recorded.
 */
type Frame = number | number[] | "closed";
function recordFrames(socket: TestSocket, boardId: string): Frame[] {
  const frames: Frame[] = [];
  socket.on("board:op", (m) => m.boardId === boardId && frames.push(m.entry.rev));
  socket.on("board:ops", (m) => m.boardId === boardId && frames.push(m.entries.map((e) => e.rev)));
  socket.on("board:closed", (m) => m.boardId === boardId && frames.push("closed"));
  return frames;
}

/** Every revision carried by the frames, in the order received. */
const revsOf = (frames: Frame[]) => frames.flatMap((f) => (f === "closed" ? [] : f));

/** Resolves once the socket has received everything the server sent it before (one connection keeps order). */
const roundTrip = (socket: TestSocket) => socket.emitWithAck("board:list", {});

const sockets: TestSocket[] = [];
const on = async (inst: TestInstance, user: string) => {
  const s = await connectOk(inst.url, { token: await tokenFor(user) });
  sockets.push(s);
  return s;
};

/**
 * Alice's board on `from` with a checklist, shared with bob as a viewer on `to`, whose socket (and alice's) record
 * their frames from then on. The setup's ops are sent before bob joins.
 */
async function sharedBoard(from: TestInstance, to: TestInstance) {
  // Bob's token first: it makes him a user, whom alice can share the board with.
  const bobSocket = await on(to, "bob");
  const aliceSocket = await on(from, "alice");
  const alice = await createSharedBoard(aliceSocket, "Batches", { user: "bob", role: "viewer" });
  const id = alice.boardId;
  await alice.op({ type: "widget.add", widget: { id: "c1", type: "checklist", title: "Todo", layout } });
  from.app.services["board-fanout"]!.flush(id);
  const bob = new TestBoardClient(bobSocket, id);
  await bob.join();
  return { id, alice, bob, frames: recordFrames(bobSocket, id), aliceFrames: recordFrames(aliceSocket, id) };
}

/**
 * The instances run with a window of a minute: a board's held ops go out only when the test flushes the fan-out
 * (`services["board-fanout"]`), when a revocation comes or when the instance shuts down, so what arrives in which
 * frame does not depend on how fast the machine is.
 */
const LONG_WINDOW = { BOARD_OP_BATCH_MS: "60000" };

describe("coalesced delivery on one instance", () => {
  let server: TestInstance;
  let unbatched: TestInstance;
  const board = (inst: TestInstance) => sharedBoard(inst, inst);

  beforeAll(async () => {
    [server, unbatched] = await Promise.all([
      startInstance({ seedDemoUsers: true, env: LONG_WINDOW }),
      startInstance({ seedDemoUsers: true, env: { BOARD_OP_BATCH_MS: "0" } }),
    ]);
  });
  afterAll(async () => {
    sockets.splice(0).forEach((s) => s.close());
    await Promise.all([server?.close(), unbatched?.close()]);
  });

  it("delivers ops committed within one window in fewer frames than ops, in revision order, each once", async () => {
    const { id, alice, bob, frames, aliceFrames } = await board(server);
    const fanout = server.app.services["board-fanout"]!;
    const first = alice.doc.rev + 1;
    for (let i = 0; i < 6; i++) expect((await alice.op(item(i))).ok).toBe(true);
    await roundTrip(bob.socket);
    // The setup's ops went out in a frame that opened a window: these six are held until it ends.
    expect(frames).toEqual([]);
    const revs = Array.from({ length: 6 }, (_, i) => first + i);
    fanout.flush(id);
    await eventually(() => expect(bob.doc).toEqual(alice.doc));
    await roundTrip(bob.socket);
    expect(revsOf(frames)).toEqual(revs);
    expect(frames.length).toBeLessThan(revs.length);
    expect(frames.some((f) => Array.isArray(f) && f.length > 1)).toBe(true);
    // Each revision applied once, in order, and the checklist's items in commit order.
    expect(bob.applied.filter((r) => r >= first)).toEqual(revs);
    const c1 = bob.doc.widgets.c1;
    expect(c1?.type === "checklist" && c1.data.items.map((x) => x.id)).toEqual([
      "i0",
      "i1",
      "i2",
      "i3",
      "i4",
      "i5",
    ]);
    // The sender is left out of a frame with only its own op, and drops its own ops from a batch: it has them.
    expect(revsOf(aliceFrames).every((r) => revs.includes(r))).toBe(true);
    expect(new Set(alice.applied).size).toBe(alice.applied.length);
  });

  it("with BOARD_OP_BATCH_MS=0 sends every op in its own board:op", async () => {
    const { alice, bob, frames } = await board(unbatched);
    const first = alice.doc.rev + 1;
    for (let i = 0; i < 5; i++) expect((await alice.op(item(i))).ok).toBe(true);
    await eventually(() => expect(bob.doc).toEqual(alice.doc));
    expect(frames).toEqual([first, first + 1, first + 2, first + 3, first + 4]);
  });

  it("sends what a board holds before a revocation, then the revocation, then closes the board for that user", async () => {
    const { id, alice, bob, frames } = await board(server);
    for (let i = 0; i < 3; i++) expect((await alice.op(item(i))).ok).toBe(true);
    const revoke = await alice.op({ type: "member.set", user: "bob", role: null });
    if (!revoke.ok) throw new Error(revoke.error.message);
    await eventually(() => expect(frames.at(-1)).toBe("closed"));
    // The three held ops and the revocation in one frame, in order, then board:closed.
    const r = revoke.entry.rev;
    expect(frames).toEqual([[r - 3, r - 2, r - 1, r], "closed"]);
    expect(bob.doc.rev).toBe(r);
    // Out of the room: a later op does not reach bob, even once the window's ops are sent.
    expect((await alice.op(item(9))).ok).toBe(true);
    server.app.services["board-fanout"]!.flush(id);
    await roundTrip(alice.socket);
    await roundTrip(bob.socket);
    expect(frames).toEqual([[r - 3, r - 2, r - 1, r], "closed"]);
  });

  it("sends points pushed over HTTP through the same fan-out", async () => {
    const { id, alice, bob, frames } = await board(server);
    await alice.op({ type: "widget.add", widget: { id: "ch", type: "chart", title: "Load", layout } });
    const fanout = server.app.services["board-fanout"]!;
    fanout.flush(id);
    await eventually(() => expect(bob.doc.widgets.ch).toBeDefined());
    const url = `${server.url}/api/boards/${id}/widgets/ch/points`;
    const headers = {
      authorization: `Bearer ${await tokenFor("alice")}`,
      "content-type": "application/json",
    };
    await roundTrip(bob.socket);
    const before = frames.length;
    const revs: number[] = [];
    for (let i = 1; i <= 4; i++) {
      const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ points: [[i, i]] }) });
      expect(res.status).toBe(200);
      revs.push(((await res.json()) as { rev: number }).rev);
    }
    fanout.flush(id);
    await eventually(() => {
      const ch = bob.doc.widgets.ch;
      expect(ch?.type === "chart" && ch.data.points.length).toBe(4);
    });
    // Four ops, held in one window, in one frame.
    expect(frames.slice(before)).toEqual([revs]);
  });
});

describe("coalesced delivery across instances on one Redis", () => {
  let redis: TestRedisServer;
  let a: TestInstance;
  let b: TestInstance;

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    [a, b] = await startInstancesOnRedis(redis.url, ["inst-a", "inst-b"], { env: LONG_WINDOW });
  });
  afterAll(async () => {
    sockets.splice(0).forEach((s) => s.close());
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  it("delivers a batch published through the Redis adapter to the other instance's viewers as one frame", async () => {
    const { id, alice, bob, frames } = await sharedBoard(a, b);
    const fanout = a.app.services["board-fanout"]!;
    await roundTrip(bob.socket);
    const before = frames.length;
    const committed: CommittedOp[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await alice.op(item(i));
      if (!res.ok) throw new Error(res.error.message);
      committed.push(res.entry);
    }
    expect(fanout.holding).toBe(1);
    fanout.flush(id);
    await eventually(() => expect(bob.doc).toEqual(alice.doc));
    expect(frames.slice(before)).toEqual([committed.map((e) => e.rev)]);
    expect(new Set(bob.applied).size).toBe(bob.applied.length);
  });

  it("sends the ops it holds when it shuts down: an acknowledged op is never left unpublished", async () => {
    const c = await startInstance({ redisUrl: redis.url, env: { INSTANCE_ID: "inst-c", ...LONG_WINDOW } });
    try {
      const { bob, alice, frames } = await sharedBoard(c, b);
      await eventually(() => expect(bob.doc.rev).toBe(alice.doc.rev));
      const acked: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await alice.op(item(i));
        if (!res.ok) throw new Error(res.error.message);
        acked.push(res.entry.rev);
      }
      expect(c.app.services["board-fanout"]!.holding).toBe(1);
      const syncs = bob.syncs;
      await c.close();
      // The window lasts a minute: only the shutdown can have sent them, through Redis, to bob on instance b.
      await eventually(() => expect(frames).toEqual([acked]));
      expect(bob.doc.rev).toBe(acked.at(-1));
      expect(bob.syncs).toBe(syncs);
    } finally {
      await c.close();
    }
  });
});
