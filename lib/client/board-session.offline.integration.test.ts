import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SyncResult } from "../protocol/boards";
import { TestBoardClient, eventually } from "@/server/testing/board-client";
import { connectOk, makeClient, tokenFor, type TestSocket } from "@/server/testing/clients";
import { startInstance, type TestInstance } from "@/server/testing/instance";
import { BoardSession } from "./board-session";
import { MemoryPendingStore } from "./pending-store";

const layout = { x: 0, y: 0, w: 4, h: 3 };

/**
 * Changes kept on the device outlive the tab: a session that closed with changes unsent (offline, or with the ack
 * lost) leaves them in its `PendingOpStore`, and the next session of the same user on that board sends them under
 * their original opIds. The server's opId dedupe makes a change that had committed count once.
 */
describe("BoardSession with a pending store, on a real instance", () => {
  let instance: TestInstance;
  const sockets: TestSocket[] = [];
  const sessions: BoardSession[] = [];

  async function board() {
    const socket = await connectOk(instance.url, { token: await tokenFor("alice") });
    sockets.push(socket);
    const created = await socket.emitWithAck("board:create", { title: "Offline" });
    if (!created.ok) throw new Error(created.error.message);
    const alice = new TestBoardClient(socket, created.board.id);
    await alice.join();
    await alice.op({ type: "member.set", user: "bob", role: "editor" });
    await alice.op({
      type: "widget.add",
      widget: { id: "c1", type: "checklist", title: "Todo", layout, data: { items: [] } },
    });
    return alice;
  }

  /** A tab's socket for `user`, connected or not. */
  async function socketOf(user: string, connect: boolean): Promise<TestSocket> {
    const socket = makeClient(instance.url, { token: await tokenFor(user) });
    sockets.push(socket);
    if (connect) {
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", reject);
        socket.connect();
      });
    }
    return socket;
  }

  function open(socket: TestSocket, boardId: string, user: string, store: MemoryPendingStore) {
    const session = new BoardSession({ socket, boardId, user, pendingStore: store });
    sessions.push(session);
    session.start();
    return session;
  }

  /** Every committed entry of the board, from the server's op log. */
  async function log(alice: TestBoardClient) {
    const res = (await alice.socket.emitWithAck("board:sync", { boardId: alice.boardId, sinceRev: 0 })) as
      ({ ok: true } & SyncResult) | { ok: false };
    if (!res.ok || !("entries" in res)) throw new Error("no entries");
    return res.entries;
  }

  beforeAll(async () => {
    instance = await startInstance({ seedDemoUsers: true });
  });
  afterEach(() => {
    sessions.splice(0).forEach((s) => s.stop());
    sockets.splice(0).forEach((s) => s.close());
  });
  afterAll(async () => {
    await instance?.close();
  });

  it("sends changes made offline in a closed tab from the next tab, once each and in order", async () => {
    const alice = await board();
    const store = new MemoryPendingStore();
    const offline = open(await socketOf("bob", false), alice.boardId, "bob", store);
    expect(offline.getState().status).toBe("offline");
    for (const i of [1, 2, 3])
      void offline.submit({ type: "checklist.add", widgetId: "c1", item: { id: `b${i}`, text: `bob ${i}` } });
    await offline.flushPending();
    expect(offline.getState()).toMatchObject({ pending: 3, pendingSaved: true });
    offline.stop(); // The tab is closed.

    const next = open(await socketOf("bob", true), alice.boardId, "bob", store);
    await eventually(() => expect(next.getState()).toMatchObject({ status: "live", pending: 0 }));
    await next.flushPending();
    expect(await store.load({ user: "bob", boardId: alice.boardId })).toEqual([]);
    await eventually(async () => {
      await alice.sync();
      const w = alice.doc.widgets.c1;
      expect(w?.type === "checklist" && w.data.items.map((i) => i.text)).toEqual(["bob 1", "bob 2", "bob 3"]);
    });
    const mine = (await log(alice)).filter((e) => e.by === "bob");
    expect(mine).toHaveLength(3);
    expect(new Set(mine.map((e) => e.opId)).size).toBe(3);
  });

  it("counts a change once when it had committed but the tab closed before the answer came", async () => {
    const alice = await board();
    const store = new MemoryPendingStore();
    const scope = { user: "bob", boardId: alice.boardId };
    const first = open(await socketOf("bob", true), alice.boardId, "bob", store);
    await eventually(() => expect(first.getState().status).toBe("live"));
    const op = { type: "checklist.add" as const, widgetId: "c1", item: { id: "b1", text: "once" } };
    const outcome = await first.submit(op);
    if (!outcome.ok) throw new Error(outcome.error.message);
    first.stop();
    // As if the ack had been lost: the change is still on the device under its opId.
    await store.put(scope, { opId: outcome.entry.opId, op, seq: 1 });
    const revBefore = (await log(alice)).length;

    const next = open(await socketOf("bob", true), alice.boardId, "bob", store);
    await eventually(() => expect(next.getState()).toMatchObject({ status: "live", pending: 0 }));
    await next.flushPending();
    expect(await store.load(scope)).toEqual([]);
    const entries = await log(alice);
    expect(entries).toHaveLength(revBefore);
    expect(entries.filter((e) => e.opId === outcome.entry.opId)).toHaveLength(1);
  });

  it("never sends another user's kept changes", async () => {
    const alice = await board();
    const store = new MemoryPendingStore();
    const offline = open(await socketOf("bob", false), alice.boardId, "bob", store);
    void offline.submit({ type: "checklist.add", widgetId: "c1", item: { id: "b1", text: "bob's" } });
    await offline.flushPending();
    offline.stop();
    const revBefore = (await log(alice)).length;

    // Alice opens the board in the same browser: bob's change is not hers to send.
    const other = open(await socketOf("alice", true), alice.boardId, "alice", store);
    await eventually(() => expect(other.getState().status).toBe("live"));
    await other.sync();
    await other.flushPending();
    expect(other.getState().pending).toBe(0);
    expect(await log(alice)).toHaveLength(revBefore);
    expect(await store.load({ user: "bob", boardId: alice.boardId })).toHaveLength(1);
  });

  it("sends the tab's own changes when the device's store does not answer", async () => {
    const alice = await board();
    const store = new MemoryPendingStore();
    store.load = () => new Promise(() => {}); // never answers, as a blocked IndexedDB
    const session = open(await socketOf("bob", true), alice.boardId, "bob", store);
    await eventually(() => expect(session.getState().status).toBe("live"));
    const outcome = await session.submit({
      type: "checklist.add",
      widgetId: "c1",
      item: { id: "b1", text: "still sent" },
    });
    expect(outcome.ok).toBe(true);
  });

  it("forgets kept changes of a board the user can no longer open", async () => {
    const alice = await board();
    const store = new MemoryPendingStore();
    const scope = { user: "bob", boardId: alice.boardId };
    const offline = open(await socketOf("bob", false), alice.boardId, "bob", store);
    void offline.submit({ type: "checklist.add", widgetId: "c1", item: { id: "b1", text: "late" } });
    await offline.flushPending();
    offline.stop();
    await alice.op({ type: "member.set", user: "bob", role: null });

    const next = open(await socketOf("bob", true), alice.boardId, "bob", store);
    await eventually(() => expect(next.getState().status).toBe("failed"));
    await next.flushPending();
    expect(await store.load(scope)).toEqual([]);
  });
});
