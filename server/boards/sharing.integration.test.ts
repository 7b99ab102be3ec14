import { SYSTEM_ACTOR } from "../audit/audit-log";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TestBoardClient } from "@/server/testing/board-client";
import { connectOk, tokenFor, type TestSocket } from "@/server/testing/clients";
import { startInstance, type TestInstance } from "@/server/testing/instance";
import { eventually } from "@/server/testing/board-client";
import { SUGGEST_LIMIT } from "@/lib/protocol/boards";

/** Sharing helps: the share dialog's name suggestions, and the live word to a user whose access changed. */
describe("sharing", () => {
  let server: TestInstance;
  const sockets: TestSocket[] = [];

  async function as(user: string) {
    const socket = await connectOk(server.url, { token: await tokenFor(user) });
    sockets.push(socket);
    return socket;
  }

  async function boardOf(owner: TestSocket, title: string) {
    const created = await owner.emitWithAck("board:create", { title });
    if (!created.ok) throw new Error(created.error.message);
    const client = new TestBoardClient(owner, created.board.id);
    await client.join();
    return client;
  }

  beforeAll(async () => {
    server = await startInstance({ seedDemoUsers: true });
    const now = Date.now();
    for (const name of ["carol", "cora", "colin", "dave", ...Array.from({ length: 12 }, (_, i) => `cx${i}`)])
      await server.backends.users.create(
        { name, role: "user", passwordHash: "-", createdAt: now },
        SYSTEM_ACTOR,
      );
  });
  afterEach(() => {
    sockets.splice(0).forEach((s) => s.close());
  });
  afterAll(async () => {
    await server?.close();
  });

  it("suggests the people one shares boards with first, then other users, bounded, never oneself", async () => {
    const alice = await as("alice");
    const board = await boardOf(alice, "Plans");
    await board.op({ type: "member.set", user: "colin", role: "viewer" });

    const suggest = async (prefix: string) => {
      const res = await alice.emitWithAck("users:suggest", { prefix });
      if (!res.ok) throw new Error(res.error.message);
      return res.users;
    };
    // One letter: only colleagues.
    expect(await suggest("c")).toEqual([{ name: "colin", colleague: true }]);
    // Two letters: colleagues first, then others, at most SUGGEST_LIMIT.
    const co = await suggest("co");
    expect(co).toEqual([
      { name: "colin", colleague: true },
      { name: "cora", colleague: false },
    ]);
    const cx = await suggest("cx");
    expect(cx).toHaveLength(SUGGEST_LIMIT);
    expect(cx.every((u) => u.name.startsWith("cx") && !u.colleague)).toBe(true);
    expect(await suggest("al")).toEqual([]);
    // Upper case is folded, like user names.
    expect(await suggest("CA")).toEqual([{ name: "carol", colleague: false }]);
  });

  it("refuses a prefix that cannot start a user name, or is too long", async () => {
    const alice = await as("alice");
    for (const prefix of ["", "a b", "x".repeat(33), "__proto__?", "constructor!"]) {
      const res = await alice.emitWithAck("users:suggest", { prefix } as never);
      expect(res).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    }
    const odd = await alice.emitWithAck("users:suggest", { prefix: "constructor" });
    expect(odd).toEqual({ ok: true, users: [] });
  });

  it("tells a user live when the owner changes their role or removes them", async () => {
    const alice = await as("alice");
    const bob = await as("bob");
    const heard: unknown[] = [];
    bob.on("board:access", (msg) => heard.push(msg));
    const board = await boardOf(alice, "Roadmap");
    await board.op({ type: "member.set", user: "bob", role: "editor" });
    await board.op({ type: "member.set", user: "bob", role: "viewer" });
    await board.op({ type: "member.set", user: "bob", role: null });
    await eventually(() =>
      expect(heard).toEqual([
        { boardId: board.boardId, title: "Roadmap", role: "editor", by: "alice" },
        { boardId: board.boardId, title: "Roadmap", role: "viewer", by: "alice" },
        { boardId: board.boardId, title: "Roadmap", role: null, by: "alice" },
      ]),
    );
  });
});
