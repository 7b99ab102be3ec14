import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBoardClient, newOpId } from "../testing/board-client";
import { connectOk, tokenFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";

const layout = { x: 0, y: 0, w: 4, h: 3 };

describe("board trash and history (embedded)", () => {
  let server: TestInstance;
  const sockets: TestSocket[] = [];
  const as = async (user: string) => {
    const s = await connectOk(server.url, { token: await tokenFor(user) });
    sockets.push(s);
    return s;
  };
  async function createBoard(owner: TestSocket, title: string) {
    const res = await owner.emitWithAck("board:create", { title });
    if (!res.ok) throw new Error(res.error.message);
    return res.board.id;
  }

  beforeAll(async () => {
    server = await startInstance({ seedDemoUsers: true, env: { MAX_CONNECTIONS_PER_USER: "100" } });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await server.close();
  });

  it("keeps a deleted board in its owner's trash, with its members and history, until restored", async () => {
    const alice = await as("alice");
    const bob = await as("bob");
    const id = await createBoard(alice, "Trash me");
    const client = new TestBoardClient(alice, id);
    await client.join();
    await client.op({ type: "member.set", user: "bob", role: "editor" });
    await client.op({ type: "widget.add", widget: { id: "n1", type: "note", layout, data: { text: "hi" } } });
    expect(await bob.emitWithAck("board:delete", { boardId: id })).toMatchObject({
      ok: false,
      error: { code: "FORBIDDEN" },
    });
    expect(await alice.emitWithAck("board:delete", { boardId: id })).toEqual({ ok: true });

    const listed = await alice.emitWithAck("board:list", {});
    expect(listed.ok && listed.boards.some((b) => b.id === id)).toBe(false);
    const trash = await alice.emitWithAck("board:deleted", {});
    expect(trash.ok && trash.boards.find((b) => b.id === id)).toMatchObject({
      title: "Trash me",
      widgets: 1,
    });
    const entry = trash.ok ? trash.boards.find((b) => b.id === id) : undefined;
    expect(entry!.purgeAt - entry!.deletedAt).toBe(30 * 24 * 60 * 60 * 1000);
    // Only the owner sees it, and only the owner restores it.
    const bobTrash = await bob.emitWithAck("board:deleted", {});
    expect(bobTrash.ok && bobTrash.boards.some((b) => b.id === id)).toBe(false);
    expect(await bob.emitWithAck("board:restore", { boardId: id })).toMatchObject({
      ok: false,
      error: { code: "NOT_FOUND" },
    });
    expect(await alice.emitWithAck("board:join", { boardId: id })).toMatchObject({ ok: false });

    expect(await alice.emitWithAck("board:restore", { boardId: id })).toMatchObject({
      ok: true,
      board: { id, title: "Trash me", rev: 2 },
    });
    expect(await alice.emitWithAck("board:restore", { boardId: id })).toMatchObject({
      ok: false,
      error: { code: "NOT_FOUND" },
    });
    const bobList = await bob.emitWithAck("board:list", {});
    expect(bobList.ok && bobList.boards.find((b) => b.id === id)).toMatchObject({ role: "editor" });
    const again = new TestBoardClient(bob, id);
    await again.join();
    expect((await again.op({ type: "note.text", widgetId: "n1", text: "back", baseRev: 2 })).ok).toBe(true);
  });

  it("pages through history newest first with what each op replaced, and serves past revisions", async () => {
    const alice = await as("alice");
    const bob = await as("bob");
    const carol = await as("carol");
    const id = await createBoard(alice, "History");
    const client = new TestBoardClient(alice, id);
    await client.join();
    await client.op({ type: "member.set", user: "bob", role: "viewer" });
    await client.op({ type: "widget.add", widget: { id: "n1", type: "note", title: "Plan", layout } });
    await client.op({ type: "note.text", widgetId: "n1", text: "one two", baseRev: 2 });
    await client.op({ type: "note.text", widgetId: "n1", text: "one three", baseRev: 3 });
    await client.op({ type: "widget.title", widgetId: "n1", title: "Q3 plan", baseRev: 2 });

    // Any member reads it, a viewer too; others get NOT_FOUND.
    const first = await bob.emitWithAck("board:history", { boardId: id, limit: 2 });
    if (!first.ok) throw new Error(first.error.message);
    expect(first.entries.map((e) => e.rev)).toEqual([5, 4]);
    expect(first.entries[0]).toMatchObject({
      by: "alice",
      op: { type: "widget.title", title: "Q3 plan" },
      prior: { widget: { type: "note", title: "Plan" }, value: "Plan" },
    });
    expect(first.entries[1]!.prior).toEqual({ widget: { type: "note", title: "Plan" }, value: "one two" });
    expect(first.nextBeforeRev).toBe(4);
    const rest = await bob.emitWithAck("board:history", { boardId: id, beforeRev: first.nextBeforeRev! });
    expect(rest.ok && rest.entries.map((e) => e.rev)).toEqual([3, 2, 1]);
    expect(rest.ok && rest.nextBeforeRev).toBeNull();
    expect(await carol.emitWithAck("board:history", { boardId: id })).toMatchObject({
      ok: false,
      error: { code: "NOT_FOUND" },
    });
    expect(await bob.emitWithAck("board:history", { boardId: id, limit: 1_000 })).toMatchObject({
      ok: false,
      error: { code: "VALIDATION" },
    });

    const past = await bob.emitWithAck("board:revision", { boardId: id, rev: 3 });
    if (!past.ok) throw new Error(past.error.message);
    expect(past.board.rev).toBe(3);
    expect(past.board.widgets.n1).toMatchObject({ title: "Plan", data: { text: "one two" } });
    expect(await bob.emitWithAck("board:revision", { boardId: id, rev: 99 })).toMatchObject({
      ok: false,
      error: { code: "NOT_FOUND" },
    });
    expect(
      await bob.emitWithAck("board:op", {
        boardId: id,
        opId: newOpId(),
        op: { type: "widget.remove", widgetId: "n1" },
      }),
    ).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
  });
});
