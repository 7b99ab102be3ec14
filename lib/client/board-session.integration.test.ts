import type { Redis } from "ioredis";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CommittedOp } from "../protocol/boards";
import { TestBoardClient, eventually } from "@/server/testing/board-client";
import { connectOk, makeClient, tokenFor, type TestSocket } from "@/server/testing/clients";
import { startInstance, type TestInstance } from "@/server/testing/instance";
import { TestRedisServer } from "@/server/testing/redis-server";
import { BoardSession, type BoardSessionOptions, type OpConflict } from "./board-session";

const layout = { x: 0, y: 0, w: 4, h: 3 };
const note = (id: string) => ({
  type: "widget.add" as const,
  widget: { id, type: "note" as const, title: "", layout, data: { text: "" } },
});

/** Connects a socket the way a browser tab would hold it, but without automatic reconnection. */
async function socketFor(url: string, user: string): Promise<TestSocket> {
  const socket = makeClient(url, { token: await tokenFor(user) });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
    socket.connect();
  });
  return socket;
}

describe("BoardSession against two instances on one Redis", () => {
  let redis: TestRedisServer;
  let a: TestInstance;
  let b: TestInstance;
  const sockets: TestSocket[] = [];
  const sessions: BoardSession[] = [];

  async function aliceBoard(shareWithBob: "editor" | "viewer" | null = "editor") {
    const socket = await connectOk(a.url, { token: await tokenFor("alice") });
    sockets.push(socket);
    const created = await socket.emitWithAck("board:create", { title: "Shared" });
    if (!created.ok) throw new Error(created.error.message);
    const alice = new TestBoardClient(socket, created.board.id);
    await alice.join();
    if (shareWithBob) await alice.op({ type: "member.set", user: "bob", role: shareWithBob });
    return alice;
  }

  async function bobSession(boardId: string, opts: Partial<BoardSessionOptions> = {}) {
    const socket = await socketFor(b.url, "bob");
    sockets.push(socket);
    const session = new BoardSession({ socket, boardId, user: "bob", ...opts });
    sessions.push(session);
    session.start();
    await eventually(() => expect(session.getState().status).toBe("live"));
    return { session, socket };
  }

  beforeAll(async () => {
    redis = await TestRedisServer.start({ appendOnly: true });
    [a, b] = await Promise.all([
      startInstance({ redisUrl: redis.url, seedDemoUsers: true, env: { INSTANCE_ID: "inst-a" } }),
      startInstance({ redisUrl: redis.url, env: { INSTANCE_ID: "inst-b" } }),
    ]);
  });
  afterEach(() => {
    sessions.splice(0).forEach((s) => s.stop());
    sockets.splice(0).forEach((s) => s.close());
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  it("shows a change at once, commits it, and follows the other editor's changes in order", async () => {
    const alice = await aliceBoard();
    const { session } = await bobSession(alice.boardId);
    const done = session.submit(note("n1"));
    // Pending: shown in the view, not in the committed replica.
    expect(session.getState().doc?.widgets.n1).toBeDefined();
    expect(session.getState().committed?.widgets.n1).toBeUndefined();
    expect(session.getState().pending).toBe(1);
    expect(await done).toMatchObject({ ok: true, entry: { by: "bob" } });
    expect(session.getState()).toMatchObject({ pending: 0, role: "editor" });
    await eventually(() => expect(alice.doc.widgets.n1).toBeDefined());
    for (let i = 1; i <= 5; i++) {
      await alice.op({
        type: "widget.title",
        widgetId: "n1",
        title: `t${i}`,
        baseRev: alice.doc.widgets.n1!.revs.title!,
      });
    }
    await eventually(() => expect(session.getState().committed).toEqual(alice.doc));
    expect(session.getState().doc).toEqual(alice.doc);
  });

  it("refuses a change that breaks the schema before sending it", async () => {
    const alice = await aliceBoard();
    await alice.op(note("n1"));
    const { session } = await bobSession(alice.boardId);
    const rejected: string[] = [];
    session.on("rejected", (r) => rejected.push(r.error.code));
    const outcome = await session.submit({
      type: "note.text",
      widgetId: "n1",
      text: "x".repeat(20_001),
      baseRev: 2,
    });
    expect(outcome).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    expect(rejected).toEqual(["VALIDATION"]);
    expect(session.getState().pending).toBe(0);
  });

  it("reports a concurrent edit of the same field as a conflict, and overwrites it only on purpose", async () => {
    const alice = await aliceBoard();
    await alice.op(note("n1"));
    const { session } = await bobSession(alice.boardId);
    const base = session.getState().committed!.widgets.n1!.revs.text!;
    // Typing: several saves on the same basis; each builds on bob's own previous one, so none conflicts.
    const saves = ["d", "dr", "dra", "draft"].map((text) =>
      session.submit({ type: "note.text", widgetId: "n1", text, baseRev: base }),
    );
    expect((await Promise.all(saves)).every((r) => r.ok)).toBe(true);
    await eventually(() => expect(alice.doc.widgets.n1).toMatchObject({ data: { text: "draft" } }));

    const seen = session.getState().committed!.widgets.n1!.revs.text!;
    await alice.op({ type: "note.text", widgetId: "n1", text: "alice's", baseRev: seen });
    const conflicts: OpConflict[] = [];
    session.on("conflict", (c) => conflicts.push(c));
    const lost = await session.submit({ type: "note.text", widgetId: "n1", text: "bob's", baseRev: seen });
    expect(lost).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({
      field: "text",
      current: "alice's",
      widgetId: "n1",
      op: { text: "bob's" },
      key: "w:n1:text",
      by: "alice",
    });
    // Nothing was overwritten, and bob's view shows alice's text.
    await eventually(() =>
      expect(session.getState().doc?.widgets.n1).toMatchObject({ data: { text: "alice's" } }),
    );
    const keep = await session.submit({
      type: "note.text",
      widgetId: "n1",
      text: "bob's",
      baseRev: conflicts[0]!.rev,
    });
    expect(keep.ok).toBe(true);
    await eventually(() => expect(alice.doc.widgets.n1).toMatchObject({ data: { text: "bob's" } }));
  });

  it("queues changes while offline and sends them, in order, after catching up on reconnect", async () => {
    const alice = await aliceBoard();
    await alice.op({
      type: "widget.add",
      widget: { id: "c1", type: "checklist", title: "Todo", layout, data: { items: [] } },
    });
    const { session, socket } = await bobSession(alice.boardId);
    socket.disconnect();
    await eventually(() => expect(session.getState().status).toBe("offline"));
    const queued = [1, 2, 3].map((i) =>
      session.submit({ type: "checklist.add", widgetId: "c1", item: { id: `b${i}`, text: `bob ${i}` } }),
    );
    expect(session.getState().pending).toBe(3);
    const items = () => {
      const w = session.getState().doc?.widgets.c1;
      return w?.type === "checklist" ? w.data.items.map((i) => i.id) : [];
    };
    expect(items()).toEqual(["b1", "b2", "b3"]);
    // Meanwhile alice works on: bob must see all of it after reconnecting.
    await alice.op({ type: "checklist.add", widgetId: "c1", item: { id: "a1", text: "alice 1" } });
    await alice.op({
      type: "widget.title",
      widgetId: "c1",
      title: "Today",
      baseRev: alice.doc.widgets.c1!.revs.title!,
    });
    socket.connect();
    const outcomes = await Promise.all(queued);
    expect(outcomes.map((o) => o.ok && o.entry.rev)).toEqual([5, 6, 7]);
    await eventually(() => expect(session.getState().committed).toEqual(alice.doc));
    expect(items()).toEqual(["a1", "b1", "b2", "b3"]);
    expect(session.getState()).toMatchObject({ status: "live", pending: 0 });
  });

  it("fetches a missing op when a later one arrives first", async () => {
    const alice = await aliceBoard();
    const { session, socket } = await bobSession(alice.boardId, { checkIntervalMs: 600_000 });
    const sub = b.backends.redis!.sub as Redis;
    // Instance B stops receiving broadcasts: bob misses both ops.
    sub.disconnect();
    try {
      await alice.op(note("n1"));
      const second = await alice.op({
        type: "note.text",
        widgetId: "n1",
        text: "hello",
        baseRev: alice.doc.widgets.n1!.revs.text!,
      });
      if (!second.ok) throw new Error("op failed");
      const before = session.getState().committed!.rev;
      // Only the later op reaches bob, as when pub/sub drops one message of two.
      const deliver = socket.listeners("board:op") as ((m: {
        boardId: string;
        entry: CommittedOp;
      }) => void)[];
      deliver.forEach((fn) => fn({ boardId: alice.boardId, entry: second.entry }));
      expect(session.getState().committed!.rev).toBe(before);
      await eventually(() => expect(session.getState().committed).toEqual(alice.doc));
    } finally {
      await sub.connect();
    }
  });

  it("catches up by its periodic check when broadcasts are lost without any hint", async () => {
    const alice = await aliceBoard();
    const { session } = await bobSession(alice.boardId, { checkIntervalMs: 250 });
    const sub = b.backends.redis!.sub as Redis;
    sub.disconnect();
    try {
      await alice.op({ type: "board.rename", title: "Renamed while B was deaf", baseRev: 0 });
      await eventually(() => expect(session.getState().committed).toEqual(alice.doc));
    } finally {
      await sub.connect();
    }
  });

  it("resends with the same opId when the server is too slow to answer, and the change applies once", async () => {
    const alice = await aliceBoard();
    const { session, socket } = await bobSession(alice.boardId, { ackTimeoutMs: 150 });
    const sent: string[] = [];
    socket.onAnyOutgoing((event: string, payload: { opId?: string }) => {
      if (event === "board:op" && payload.opId) sent.push(payload.opId);
    });
    // The board's commits stall for a moment, as when the database is slow: another connection holds its row, so
    // the first attempt's ack comes too late.
    const blocker = new pg.Client({ connectionString: a.config.database.url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT id FROM boards WHERE id = $1 FOR UPDATE", [alice.boardId]);
      const released = new Promise((r) => setTimeout(r, 700)).then(() => blocker.query("COMMIT"));
      const outcome = await session.submit(note("n1"));
      expect(outcome.ok).toBe(true);
      await released;
    } finally {
      await blocker.end();
    }
    expect(sent.length).toBeGreaterThan(1);
    expect(new Set(sent).size).toBe(1);
    const log = await alice.socket.emitWithAck("board:sync", { boardId: alice.boardId, sinceRev: 1 });
    expect(log.ok && "entries" in log && log.entries.map((e) => e.opId)).toEqual([sent[0]]);
    await eventually(() => expect(session.getState().committed).toEqual(alice.doc));
  });

  it("retries through a Redis outage and loses nothing", async () => {
    const alice = await aliceBoard();
    const { session } = await bobSession(alice.boardId);
    await redis.kill();
    const during = session.submit(note("n1"));
    await new Promise((r) => setTimeout(r, 500));
    await redis.spawn();
    expect(await during).toMatchObject({ ok: true });
    await eventually(() => expect(session.getState().committed).toEqual(alice.doc));
    expect(Object.keys(alice.doc.widgets)).toEqual(["n1"]);
  });

  it("closes when the owner revokes access, and gives up what was queued", async () => {
    const alice = await aliceBoard();
    const { session, socket } = await bobSession(alice.boardId);
    socket.disconnect();
    await eventually(() => expect(session.getState().status).toBe("offline"));
    const queued = session.submit(note("n1"));
    await alice.op({ type: "member.set", user: "bob", role: null });
    socket.connect();
    expect(await queued).toMatchObject({ ok: false });
    await eventually(() => expect(session.getState()).toMatchObject({ status: "closed" }));
    expect(alice.doc.widgets.n1).toBeUndefined();

    // While connected, the server says so directly.
    const alice2 = await aliceBoard();
    const live = await bobSession(alice2.boardId);
    await alice2.op({ type: "member.set", user: "bob", role: null });
    await eventually(() =>
      expect(live.session.getState().closed).toEqual({ reason: "access-revoked", by: "alice" }),
    );
  });

  it("refuses to open a board for a non-member, and shares presence and throttled cursors", async () => {
    const alice = await aliceBoard(null);
    const socket = await socketFor(b.url, "bob");
    sockets.push(socket);
    const outsider = new BoardSession({ socket, boardId: alice.boardId, user: "bob" });
    sessions.push(outsider);
    outsider.start();
    await eventually(() => expect(outsider.getState()).toMatchObject({ status: "failed" }));
    expect(outsider.getState().error?.code).toBe("NOT_FOUND");

    await alice.op({ type: "member.set", user: "bob", role: "viewer" });
    const { session } = await bobSession(alice.boardId);
    expect(session.getState().role).toBe("viewer");
    await eventually(() => expect(alice.presence.map((v) => v.user)).toEqual(["alice", "bob"]));
    session.setEditing("w1");
    await eventually(() => expect(alice.presence.find((v) => v.user === "bob")?.editing).toEqual(["w1"]));

    const cursors: { x: number; y: number }[] = [];
    alice.socket.on("board:cursor", ({ x, y }) => cursors.push({ x, y }));
    for (let i = 1; i <= 20; i++) session.sendCursor(i / 20, i * 10);
    await eventually(() => expect(cursors.at(-1)).toEqual({ x: 1, y: 200 }));
    // The first move at once, the last one after the throttle interval; the ones between are superseded.
    expect(cursors.length).toBeLessThanOrEqual(2);
  });
});

describe("BoardSession under a tight rate limit", () => {
  let server: TestInstance;
  afterAll(() => server?.close());

  it("waits out RATE_LIMITED and commits every queued change once, in order", async () => {
    server = await startInstance({
      seedDemoUsers: true,
      env: { RATE_LIMIT_EVENTS_PER_SEC: "8", RATE_LIMIT_BURST: "4" },
    });
    const owner = await socketFor(server.url, "alice");
    const created = await owner.emitWithAck("board:create", { title: "Busy" });
    if (!created.ok) throw new Error(created.error.message);
    const session = new BoardSession({ socket: owner, boardId: created.board.id, user: "alice" });
    session.start();
    try {
      await eventually(() => expect(session.getState().status).toBe("live"));
      await session.submit({
        type: "widget.add",
        widget: { id: "c1", type: "checklist", title: "", layout, data: { items: [] } },
      });
      const ids = Array.from({ length: 16 }, (_, i) => `i${i}`);
      const outcomes = await Promise.all(
        ids.map((id) => session.submit({ type: "checklist.add", widgetId: "c1", item: { id, text: id } })),
      );
      expect(outcomes.every((o) => o.ok)).toBe(true);
      const w = session.getState().committed!.widgets.c1;
      expect(w?.type === "checklist" && w.data.items.map((i) => i.id)).toEqual(ids);
      expect(session.getState().committed!.rev).toBe(17);
      expect(owner.connected).toBe(true);
    } finally {
      session.stop();
      owner.close();
    }
  });
});
