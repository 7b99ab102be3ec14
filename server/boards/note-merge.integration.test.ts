import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBoardClient, eventually } from "../testing/board-client";
import { connectOk, tokenFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { TestRedisServer } from "../testing/redis-server";

const noteText = (c: TestBoardClient) => {
  const w = c.doc.widgets.n;
  return w?.type === "note" ? w.data.text : undefined;
};

describe("concurrent edits of one note, on two instances", () => {
  let redis: TestRedisServer;
  let a: TestInstance;
  let b: TestInstance;
  const sockets: TestSocket[] = [];
  let alice: TestBoardClient;
  let bob: TestBoardClient;
  const start = "Agenda: budget, hiring and the roadmap.";

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    a = await startInstance({ redisUrl: redis.url, seedDemoUsers: true, env: { INSTANCE_ID: "merge-a" } });
    b = await startInstance({ redisUrl: redis.url, env: { INSTANCE_ID: "merge-b" } });
    const aliceSocket = await connectOk(a.url, { token: await tokenFor("alice") });
    const bobSocket = await connectOk(b.url, { token: await tokenFor("bob") });
    sockets.push(aliceSocket, bobSocket);
    const created = await aliceSocket.emitWithAck("board:create", { title: "Minutes" });
    if (!created.ok) throw new Error(created.error.message);
    alice = new TestBoardClient(aliceSocket, created.board.id);
    await alice.join();
    await alice.op({ type: "member.set", user: "bob", role: "editor" });
    await alice.op({
      type: "widget.add",
      widget: { id: "n", type: "note", layout: { x: 0, y: 0, w: 4, h: 4 } },
    });
    await alice.op({ type: "note.text", widgetId: "n", text: start, baseRev: 3, baseText: "" });
    bob = new TestBoardClient(bobSocket, created.board.id);
    await bob.join();
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  it("merges edits of different words made from the same text, and both editors see both", async () => {
    const from = alice.doc.widgets.n!.revs.text!;
    const [mine, theirs] = await Promise.all([
      alice.op({
        type: "note.text",
        widgetId: "n",
        text: start.replace("roadmap", "Q3 roadmap"),
        baseRev: from,
        baseText: start,
      }),
      bob.op({
        type: "note.text",
        widgetId: "n",
        text: start.replace("budget", "travel budget"),
        baseRev: from,
        baseText: start,
      }),
    ]);
    expect(mine.ok && theirs.ok).toBe(true);
    const merged = "Agenda: travel budget, hiring and the Q3 roadmap.";
    await eventually(() => {
      expect(noteText(alice)).toBe(merged);
      expect(noteText(bob)).toBe(merged);
    });
    // What was committed is plain text: the log carries no baseText.
    const committed = [mine, theirs].map((r) => (r.ok ? r.entry.op : undefined));
    expect(committed.every((op) => op && !("baseText" in op))).toBe(true);
  });

  it("refuses an edit of the same words with CONFLICT and the current text, and changes nothing", async () => {
    const now = noteText(alice)!;
    const from = alice.doc.widgets.n!.revs.text!;
    const first = await alice.op({
      type: "note.text",
      widgetId: "n",
      text: now.replace("hiring", "hires"),
      baseRev: from,
      baseText: now,
    });
    expect(first.ok).toBe(true);
    const second = await bob.op({
      type: "note.text",
      widgetId: "n",
      text: now.replace("hiring", "onboarding"),
      baseRev: from,
      baseText: now,
    });
    expect(second).toMatchObject({
      ok: false,
      error: { code: "CONFLICT", details: { field: "text", current: now.replace("hiring", "hires") } },
    });
    await eventually(() => expect(noteText(bob)).toBe(now.replace("hiring", "hires")));
  });
});
