import { SYSTEM_ACTOR, bySystem } from "../../../server/audit/audit-log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBoardClient, eventually, newOpId } from "@/server/testing/board-client";
import { connectOk, tokenFor, type TestSocket } from "@/server/testing/clients";
import { startInstance, type TestInstance } from "@/server/testing/instance";
import { TestRedisServer } from "@/server/testing/redis-server";
import { SqlLimitStore } from "@/server/registry/limits.sql";

/**
 * User names and widget ids are user input, and some of them are also the names of `Object.prototype`'s members.
 * A lookup in a plain object (`board.members[user]`) finds `constructor` on the prototype: a user of that name
 * would pass for a member of every board. Every cell below must hold for such names exactly as for `carol`.
 */
const NAMES = ["constructor", "valueof", "tostring", "hasownproperty", "isprototypeof", "carol"];
const WIDGET_IDS = ["constructor", "__proto__", "toString", "valueOf", "hasOwnProperty", "__defineGetter__"];
const layout = { x: 0, y: 0, w: 3, h: 2 };

const modes: [string, () => Promise<TestRedisServer | undefined>][] = [
  ["embedded", async () => undefined],
  ["redis", () => TestRedisServer.start()],
];

describe.each(modes)("user names that are Object.prototype members (%s)", (_mode, startRedis) => {
  let redis: TestRedisServer | undefined;
  let server: TestInstance;
  let boardId = "";
  const sockets: TestSocket[] = [];
  const as = async (user: string) => {
    const s = await connectOk(server.url, { token: await tokenFor(user) });
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    redis = await startRedis();
    server = await startInstance({
      redisUrl: redis?.url,
      seedDemoUsers: true,
      env: { MAX_CONNECTIONS_PER_USER: "50", RATE_LIMIT_EVENTS_PER_SEC: "50", RATE_LIMIT_BURST: "100" },
    });
    for (const name of NAMES) {
      // Before creation the store must not find a user by that name (a prototype member is no user).
      expect(await server.backends.users.get(name)).toBeUndefined();
      await server.backends.users.create(
        {
          name,
          role: "user",
          passwordHash: "scrypt$unused",
          createdAt: Date.now(),
        },
        SYSTEM_ACTOR,
      );
      expect(await server.backends.users.get(name)).toMatchObject({ name, role: "user" });
    }
    const alice = await as("alice");
    const created = await alice.emitWithAck("board:create", { title: "Alice's private board" });
    if (!created.ok) throw new Error(created.error.message);
    boardId = created.board.id;
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await server?.close();
    await redis?.stop();
  });

  it.each(NAMES)("%s cannot list, join, sync, change or delete a board it was not given", async (name) => {
    const s = await as(name);
    const list = await s.emitWithAck("board:list", {});
    expect(list.ok && list.boards.map((b) => b.id)).toEqual([]);
    for (const [event, payload] of [
      ["board:join", { boardId }],
      ["board:sync", { boardId, sinceRev: 0 }],
      ["board:delete", { boardId }],
    ] as const) {
      const res = await (s.emitWithAck as (e: string, p: unknown) => Promise<unknown>)(event, payload);
      expect(res, event).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    }
    const op = await s.emitWithAck("board:op", {
      boardId,
      opId: newOpId(),
      op: { type: "widget.add", widget: { id: "x1", type: "note", layout } },
    });
    expect(op).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const rename = await s.emitWithAck("board:op", {
      boardId,
      opId: newOpId(),
      op: { type: "board.rename", title: "mine now", baseRev: 0 },
    });
    expect(rename).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
  });

  it.each(NAMES)(
    "%s, once shared as a viewer, may read but not write, and is told about mentions",
    async (name) => {
      const alice = await as("alice");
      const created = await alice.emitWithAck("board:create", { title: `Shared with ${name}` });
      if (!created.ok) throw new Error(created.error.message);
      const owner = new TestBoardClient(alice, created.board.id);
      await owner.join();
      expect((await owner.op({ type: "member.set", user: name, role: "viewer" })).ok).toBe(true);
      expect((await owner.op({ type: "widget.add", widget: { id: "n1", type: "note", layout } })).ok).toBe(
        true,
      );
      expect(
        (
          await owner.op({
            type: "note.text",
            widgetId: "n1",
            text: `hello @${name}`,
            baseRev: owner.doc.rev,
          })
        ).ok,
      ).toBe(true);

      const s = await as(name);
      const list = await s.emitWithAck("board:list", {});
      expect(list.ok && list.boards.map((b) => [b.id, b.role])).toEqual([[created.board.id, "viewer"]]);
      const viewer = new TestBoardClient(s, created.board.id);
      await viewer.join();
      const write = await viewer.op({ type: "note.text", widgetId: "n1", text: "overwritten", baseRev: 99 });
      expect(write).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
      await eventually(async () => {
        const feed = await s.emitWithAck("notify:list", {});
        expect(feed.ok && feed.items.map((i) => i.kind)).toContain("mention");
      });
      // Removing the member takes the access away again.
      expect((await owner.op({ type: "member.set", user: name, role: null })).ok).toBe(true);
      await eventually(async () => {
        const res = await s.emitWithAck("board:sync", { boardId: created.board.id, sinceRev: 0 });
        expect(res).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
      });
    },
  );

  it("refuses __proto__ as a user name with a validation error", async () => {
    const alice = await as("alice");
    const created = await alice.emitWithAck("board:create", { title: "proto" });
    if (!created.ok) throw new Error(created.error.message);
    const res = await alice.emitWithAck("board:op", {
      boardId: created.board.id,
      opId: newOpId(),
      op: { type: "member.set", user: "__proto__", role: "editor" },
    });
    expect(res).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
  });

  it("keeps the connection limit of such a user apart from the default", async () => {
    // The store over this instance's database (SQLite embedded, PostgreSQL with Redis), with a default of 50.
    const limits = new SqlLimitStore(server.backends.database, 50);
    expect(await limits.limitFor("constructor")).toBe(50);
    await limits.setUser("constructor", 3, bySystem("limit.set"));
    expect(await limits.limitFor("constructor")).toBe(3);
    expect(await limits.limitFor("valueof")).toBe(50);
    expect((await limits.settings()).users).toEqual({ constructor: 3 });
    await limits.setUser("constructor", null, bySystem("limit.set"));
    expect(await limits.limitFor("constructor")).toBe(50);
  });

  it("treats widget ids such as __proto__ and constructor as ordinary widgets", async () => {
    const alice = await as("alice");
    const created = await alice.emitWithAck("board:create", { title: "Widget ids" });
    if (!created.ok) throw new Error(created.error.message);
    const owner = new TestBoardClient(alice, created.board.id);
    await owner.join();
    for (const id of WIDGET_IDS) {
      // Not there yet: a title change or a removal is NOT_FOUND, never an internal error.
      const early = await owner.op({ type: "widget.title", widgetId: id, title: "t", baseRev: 0 });
      expect(early, id).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
      expect((await owner.op({ type: "widget.add", widget: { id, type: "note", layout } })).ok, id).toBe(
        true,
      );
      expect(
        (await owner.op({ type: "widget.title", widgetId: id, title: `named ${id}`, baseRev: owner.doc.rev }))
          .ok,
      ).toBe(true);
    }
    expect(Object.keys(owner.doc.widgets).sort()).toEqual([...WIDGET_IDS].sort());
    expect(Object.getPrototypeOf(owner.doc.widgets)).toBe(Object.prototype);
    // A second viewer sees the same board from a fresh load.
    const again = new TestBoardClient(await as("alice"), created.board.id);
    await again.join();
    expect(Object.keys(again.doc.widgets).sort()).toEqual([...WIDGET_IDS].sort());
    expect(again.doc.widgets["__proto__"]).toMatchObject({ title: "named __proto__" });
    for (const id of WIDGET_IDS) {
      expect((await owner.op({ type: "widget.remove", widgetId: id })).ok, id).toBe(true);
    }
    expect(Object.keys(owner.doc.widgets)).toEqual([]);
  });
});
