import { SYSTEM_ACTOR } from "../../../server/audit/audit-log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io } from "socket.io-client";
import { clientEventSpecs, type ClientEventName } from "@/lib/protocol/events";
import { ADMIN_NAMESPACE } from "@/lib/protocol/admin";
import { TestBoardClient, eventually, newOpId } from "@/server/testing/board-client";
import { connect, connectOk, sessionCookieFor, tokenFor, type TestSocket } from "@/server/testing/clients";
import { startInstance, type TestInstance } from "@/server/testing/instance";

/**
 * Who may do what, asserted cell by cell: every socket event and every API route, for every kind of caller.
 * `ok` means the call succeeds; a code means it is refused with exactly that code (or its HTTP status).
 */
type Outcome = "ok" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND";
type Member = "outsider" | "viewer" | "editor";
const MEMBERS: Member[] = ["outsider", "viewer", "editor"];
const USER: Record<Member, string> = { outsider: "carol", viewer: "bob", editor: "dave" };

interface Fixture {
  boardId: string;
  ownerTaskId: string;
}

type EventCase = {
  event: ClientEventName;
  payload: (f: Fixture) => unknown;
  expect: Record<Member, Outcome>;
  note?: string;
};

const layout = { x: 0, y: 6, w: 3, h: 2 };
const all = (o: Outcome): Record<Member, Outcome> => ({ outsider: o, viewer: o, editor: o });

const EVENTS: EventCase[] = [
  { event: "system:ping", payload: () => ({ t: 1 }), expect: all("ok") },
  { event: "session:info", payload: () => ({}), expect: all("ok") },
  {
    // A tab's own page, kept on its own socket and shown only to the same user.
    event: "session:place",
    payload: () => ({ path: "/", title: "Home", browserId: "browser-1" }),
    expect: all("ok"),
  },
  { event: "board:list", payload: () => ({}), expect: all("ok") },
  // Any signed-in user may ask; the answer only holds what they may already learn (docs/PROTOCOL.md).
  { event: "users:suggest", payload: () => ({ prefix: "al" }), expect: all("ok") },
  { event: "board:create", payload: () => ({ title: "mine" }), expect: all("ok") },
  {
    event: "board:join",
    payload: (f) => ({ boardId: f.boardId }),
    expect: { outsider: "NOT_FOUND", viewer: "ok", editor: "ok" },
  },
  {
    event: "board:sync",
    payload: (f) => ({ boardId: f.boardId, sinceRev: 0 }),
    expect: { outsider: "NOT_FOUND", viewer: "ok", editor: "ok" },
  },
  {
    event: "board:leave",
    payload: (f) => ({ boardId: f.boardId }),
    expect: all("ok"),
    note: "harmless: leaves a room",
  },
  {
    event: "board:op",
    payload: (f) => ({
      boardId: f.boardId,
      opId: newOpId(),
      op: { type: "widget.add", widget: { id: `w${newOpId().slice(0, 8)}`, type: "note", layout } },
    }),
    expect: { outsider: "FORBIDDEN", viewer: "FORBIDDEN", editor: "ok" },
  },
  {
    event: "board:op",
    payload: (f) => ({
      boardId: f.boardId,
      opId: newOpId(),
      op: { type: "member.set", user: "carol", role: "editor" },
    }),
    expect: all("FORBIDDEN"),
    note: "sharing is the owner's",
  },
  {
    event: "board:delete",
    payload: (f) => ({ boardId: f.boardId }),
    expect: { outsider: "NOT_FOUND", viewer: "FORBIDDEN", editor: "FORBIDDEN" },
  },
  { event: "board:deleted", payload: () => ({}), expect: all("ok"), note: "the caller's own trash only" },
  {
    event: "board:restore",
    payload: (f) => ({ boardId: f.boardId }),
    expect: all("NOT_FOUND"),
    note: "only from the caller's own trash",
  },
  {
    event: "board:history",
    payload: (f) => ({ boardId: f.boardId }),
    expect: { outsider: "NOT_FOUND", viewer: "ok", editor: "ok" },
  },
  {
    event: "board:revision",
    payload: (f) => ({ boardId: f.boardId, rev: 1 }),
    expect: { outsider: "NOT_FOUND", viewer: "ok", editor: "ok" },
  },
  {
    event: "board:editing",
    payload: (f) => ({ boardId: f.boardId, widgetId: "n1" }),
    expect: all("ok"),
    note: "no effect unless joined",
  },
  {
    event: "board:cursor",
    payload: (f) => ({ boardId: f.boardId, x: 0.5, y: 1 }),
    expect: all("ok"),
    note: "dropped unless joined",
  },
  { event: "notify:list", payload: () => ({}), expect: all("ok") },
  { event: "notify:read", payload: () => ({}), expect: all("ok") },
  { event: "task:list", payload: () => ({}), expect: all("ok") },
  {
    event: "task:start",
    payload: (f) => ({ kind: "board-export", boardId: f.boardId }),
    expect: { outsider: "NOT_FOUND", viewer: "ok", editor: "ok" },
  },
  {
    event: "task:start",
    payload: (f) => ({ kind: "chart-summary", boardId: f.boardId, chartWidgetId: "c1" }),
    expect: { outsider: "NOT_FOUND", viewer: "FORBIDDEN", editor: "ok" },
  },
  {
    event: "task:cancel",
    payload: (f) => ({ taskId: f.ownerTaskId }),
    expect: all("NOT_FOUND"),
    note: "someone else's task",
  },
  {
    event: "task:retry",
    payload: (f) => ({ taskId: f.ownerTaskId }),
    expect: all("NOT_FOUND"),
    note: "someone else's task",
  },
  { event: "metrics:report", payload: () => ({ samples: [1, 2], rtt: [3] }), expect: all("ok") },
];

describe("authorization matrix", () => {
  let server: TestInstance;
  const fixture: Fixture = { boardId: "", ownerTaskId: "" };
  const sockets = new Map<Member, TestSocket>();
  const users = ["carol", "dave"];

  beforeAll(async () => {
    server = await startInstance({
      seedDemoUsers: true,
      env: { METRICS_TOKEN: "metrics-token-0123456789", MAX_CONNECTIONS_PER_USER: "50" },
    });
    for (const name of users) {
      await server.backends.users.create(
        {
          name,
          role: "user",
          passwordHash: "scrypt$unused",
          createdAt: Date.now(),
        },
        SYSTEM_ACTOR,
      );
    }
    const alice = await connectOk(server.url, { token: await tokenFor("alice") });
    const created = await alice.emitWithAck("board:create", { title: "Guarded" });
    if (!created.ok) throw new Error(created.error.message);
    fixture.boardId = created.board.id;
    const owner = new TestBoardClient(alice, fixture.boardId);
    await owner.join();
    await owner.op({ type: "member.set", user: "bob", role: "viewer" });
    await owner.op({ type: "member.set", user: "dave", role: "editor" });
    await owner.op({
      type: "widget.add",
      widget: { id: "c1", type: "chart", layout: { x: 0, y: 0, w: 6, h: 4 }, data: { points: [[1, 1]] } },
    });
    const task = await alice.emitWithAck("task:start", { kind: "board-export", boardId: fixture.boardId });
    if (!task.ok) throw new Error(task.error.message);
    fixture.ownerTaskId = task.task.id;
    alice.close();
    for (const m of MEMBERS) sockets.set(m, await connectOk(server.url, { token: await tokenFor(USER[m]) }));
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await server?.close();
  });

  describe("callers without a valid credential cannot open a socket at all", () => {
    it.each([
      ["anonymous", async () => ({})],
      ["an expired token", async () => ({ token: await tokenFor("alice", "user", 1) })],
      [
        "a token signed with another secret",
        async () => ({ token: await tokenFor("alice", "admin", 3600, "x".repeat(40)) }),
      ],
      [
        "a session cookie signed with another secret",
        async () => ({ cookie: await sessionCookieFor("alice", "admin", 3600, "y".repeat(40)) }),
      ],
    ])("%s → UNAUTHORIZED", async (_name, credential) => {
      const opts = await credential();
      if ("token" in opts && opts.token && _name.includes("expired"))
        await new Promise((r) => setTimeout(r, 1_100));
      expect(await connect(server.url, opts)).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
      const admin = await new Promise<string>((resolve) => {
        const s = io(`${server.url}${ADMIN_NAMESPACE}`, {
          transports: ["websocket"],
          forceNew: true,
          reconnection: false,
          auth: opts,
          extraHeaders: "cookie" in opts ? { cookie: opts.cookie as string } : {},
        });
        s.once("connect", () => resolve("connected"));
        s.once("connect_error", (e) => resolve(e.message));
      });
      expect(admin).toBe("UNAUTHORIZED");
    });
  });

  for (const c of EVENTS) {
    for (const member of MEMBERS) {
      it(`${c.event}${c.note ? ` (${c.note})` : ""} as ${member} → ${c.expect[member]}`, async () => {
        const socket = sockets.get(member)!;
        const res = (await (
          socket as unknown as {
            timeout(ms: number): { emitWithAck(e: string, p: unknown): Promise<unknown> };
          }
        )
          .timeout(10_000)
          .emitWithAck(c.event, c.payload(fixture))) as { ok: boolean; error?: { code: string } };
        if (c.expect[member] === "ok") expect(res).toMatchObject({ ok: true });
        else expect(res).toMatchObject({ ok: false, error: { code: c.expect[member] } });
      });
    }
  }

  it("every client event has cells above", () => {
    expect(Object.keys(clientEventSpecs).filter((name) => !EVENTS.some((c) => c.event === name))).toEqual([]);
  });

  it("non-admins are refused on the /admin namespace; admins are let in", async () => {
    const open = (token: string) =>
      new Promise<string>((resolve) => {
        const s = io(`${server.url}${ADMIN_NAMESPACE}`, {
          transports: ["websocket"],
          forceNew: true,
          reconnection: false,
          auth: { token },
        });
        s.once("connect", () => {
          s.close();
          resolve("connected");
        });
        s.once("connect_error", (e) => resolve(e.message));
      });
    expect(await open(await tokenFor("bob"))).toBe("FORBIDDEN");
    expect(await open(await tokenFor("admin", "admin"))).toBe("connected");
  });

  describe("HTTP routes", () => {
    /** A bearer or Basic `authorization` header, or a cookie (optionally with an `origin` header), or nothing. */
    type Credential = string | { cookie: string; origin?: string } | undefined;
    /** Every call made without any credential, so that the last test can check that every route has one. */
    const anonymous: { method: string; path: string }[] = [];
    const request = (
      method: string,
      path: string,
      auth: Credential,
      body?: unknown,
      type = "application/json",
    ) => {
      const headers: Record<string, string> = {};
      if (typeof auth === "string") headers.authorization = auth;
      else if (auth) Object.assign(headers, auth);
      else anonymous.push({ method, path: new URL(path, server.url).pathname });
      if (body !== undefined) headers["content-type"] = type;
      return fetch(`${server.url}${path}`, {
        method,
        headers,
        redirect: "manual",
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
    };
    const call = async (...args: Parameters<typeof request>) => {
      const res = await request(...args);
      await res.body?.cancel();
      return res.status;
    };
    const bearer = async (user: string, role: "user" | "admin" = "user") =>
      `Bearer ${await tokenFor(user, role)}`;
    const push = (f: Fixture) => `/api/boards/${f.boardId}/widgets/c1/points`;
    const imp = (f: Fixture) => `/api/tasks/csv-import?boardId=${f.boardId}&widgetId=c1`;

    /** Callers without a valid credential: none, an expired token, forged ones, garbage, and Basic auth. */
    let invalid: Credential[];
    beforeAll(async () => {
      const expired = `Bearer ${await tokenFor("alice", "admin", 1)}`;
      await new Promise((r) => setTimeout(r, 1_100));
      invalid = [
        undefined,
        expired,
        `Bearer ${await tokenFor("admin", "admin", 3600, "z".repeat(40))}`,
        { cookie: await sessionCookieFor("admin", "admin", 3600, "y".repeat(40)) },
        "Bearer nonsense",
        "Basic YWRtaW46cHVsc2Vib2FyZA==",
      ];
    });

    it("anonymous, expired and forged callers get 401 on every protected route", async () => {
      for (const auth of invalid) {
        expect(await call("POST", push(fixture), auth, { points: [[1, 1]] })).toBe(401);
        expect(await call("POST", imp(fixture), auth, "time,value\n1,1\n", "text/csv")).toBe(401);
        expect(await call("GET", `/api/tasks/${fixture.ownerTaskId}/download`, auth)).toBe(401);
        expect(await call("GET", "/api/sessions", auth)).toBe(401);
        expect(await call("DELETE", "/api/sessions/abc", auth)).toBe(401);
        expect(await call("GET", "/api/admin/limits", auth)).toBe(401);
        expect(await call("PUT", "/api/admin/limits/default", auth, { limit: 9 })).toBe(401);
        expect(await call("DELETE", "/api/admin/limits/default", auth)).toBe(401);
        expect(await call("PUT", "/api/admin/limits/users/dave", auth, { limit: 9 })).toBe(401);
        expect(await call("DELETE", "/api/admin/limits/users/dave", auth)).toBe(401);
        expect(await call("GET", "/api/admin/registry", auth)).toBe(401);
        expect(await call("GET", "/api/admin/audit", auth)).toBe(401);
        expect(await call("POST", "/api/tokens", auth, { ttlSeconds: 600 })).toBe(401);
        expect(await call("GET", "/api/tokens", auth)).toBe(401);
        expect(await call("DELETE", "/api/tokens/00000000-0000-4000-8000-000000000000", auth)).toBe(401);
        expect(await call("GET", "/metrics", auth)).toBe(401);
      }
    });

    it("public routes answer every caller, and the session route names only a valid session's user", async () => {
      for (const auth of [...invalid, await bearer("dave")]) {
        expect(await call("GET", "/api/health", auth)).toBe(200);
        expect(await call("GET", "/api/live", auth)).toBe(200);
        expect(await call("GET", "/api/meta", auth)).toBe(200);
        expect(await call("GET", "/api/auth/csrf", auth)).toBe(200);
        expect(await call("GET", "/api/auth/providers", auth)).toBe(200);
        // next-auth's own sign-in page is replaced by the app's.
        expect(await call("GET", "/api/auth/signin", auth)).toBe(302);
        // Signing in without the token from /api/auth/csrf is sent back, and sets no session.
        const signIn = await request(
          "POST",
          "/api/auth/callback/credentials",
          auth,
          "username=admin&password=pulseboard",
          "application/x-www-form-urlencoded",
        );
        expect(signIn.status).toBe(302);
        expect(signIn.headers.get("location")).toMatch(/csrf=true/);
        expect(signIn.headers.getSetCookie().join("; ")).not.toMatch(/session-token/);
        const session = await request("GET", "/api/auth/session", auth);
        expect(session.status).toBe(200);
        expect(await session.json()).toEqual({});
      }
      const valid = await request("GET", "/api/auth/session", { cookie: await sessionCookieFor("dave") });
      expect(await valid.json()).toMatchObject({ user: { name: "dave", role: "user" } });
    });

    it("board routes follow the board's roles", async () => {
      const expectFor: Record<Member, [number, number]> = {
        outsider: [403, 404],
        viewer: [403, 403],
        editor: [200, 202],
      };
      for (const m of MEMBERS) {
        const auth = await bearer(USER[m]);
        expect([
          await call("POST", push(fixture), auth, { points: [[2, 2]] }),
          await call("POST", imp(fixture), auth, "time,value\n1,1\n", "text/csv"),
        ]).toEqual(expectFor[m]);
        expect(await call("GET", `/api/tasks/${fixture.ownerTaskId}/download?format=json`, auth)).toBe(404);
      }
    });

    it("admin routes refuse users and serve admins", async () => {
      const user = await bearer("dave");
      const admin = await bearer("admin", "admin");
      const limits = async () => {
        const res = await request("GET", "/api/admin/limits", admin);
        expect(res.status).toBe(200);
        return (await res.json()) as unknown;
      };
      const before = await limits();
      expect(await call("GET", "/api/admin/limits", user)).toBe(403);
      expect(await call("PUT", "/api/admin/limits/default", user, { limit: 9 })).toBe(403);
      expect(await call("DELETE", "/api/admin/limits/default", user)).toBe(403);
      expect(await call("PUT", "/api/admin/limits/users/dave", user, { limit: 50 })).toBe(403);
      expect(await call("DELETE", "/api/admin/limits/users/dave", user)).toBe(403);
      expect(await call("GET", "/api/admin/registry", user)).toBe(403);
      expect(await call("GET", "/api/admin/audit", user)).toBe(403);
      // An admin's session cookie sent from another site's page changes nothing either.
      const crossSite = { cookie: await sessionCookieFor("admin", "admin"), origin: "https://evil.example" };
      expect(await call("PUT", "/api/admin/limits/default", crossSite, { limit: 9 })).toBe(403);
      expect(await call("DELETE", "/api/admin/limits/users/dave", crossSite)).toBe(403);
      expect(await limits()).toEqual(before);
      expect(await call("GET", "/api/admin/registry", admin)).toBe(200);
      expect(await call("GET", "/api/admin/audit", admin)).toBe(200);
      // Admins may change limits; each change is undone, so the rest of this file sees the configured limit.
      expect(await call("PUT", "/api/admin/limits/users/dave", admin, { limit: 50 })).toBe(200);
      expect(await call("DELETE", "/api/admin/limits/users/dave", admin)).toBe(200);
      expect(await call("PUT", "/api/admin/limits/default", admin, { limit: 50 })).toBe(200);
      expect(await call("DELETE", "/api/admin/limits/default", admin)).toBe(200);
      expect(await limits()).toEqual(before);
      expect(await call("GET", "/metrics", admin)).toBe(401);
      expect(await call("GET", "/metrics", "Bearer metrics-token-0123456789")).toBe(200);
    });

    it("tokens are minted only from a browser session, and a session only closes its own connections", async () => {
      expect(await call("POST", "/api/tokens", await bearer("dave"), { ttlSeconds: 600 })).toBe(401);
      const cookie = await sessionCookieFor("dave");
      const minted = await fetch(`${server.url}/api/tokens`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ ttlSeconds: 600 }),
      });
      expect(minted.status).toBe(201);
      const viewerSessions = (await (
        await fetch(`${server.url}/api/sessions`, { headers: { authorization: await bearer("bob") } })
      ).json()) as {
        sessions: { connectionId: string }[];
      };
      await eventually(() => expect(viewerSessions.sessions.length).toBeGreaterThan(0));
      const bobsConnection = viewerSessions.sessions[0]!.connectionId;
      expect(await call("DELETE", `/api/sessions/${bobsConnection}`, await bearer("dave"))).toBe(404);
      expect(sockets.get("viewer")!.connected).toBe(true);
    });

    // Runs last: it checks the calls made by the tests above.
    it("every route the server registers has an anonymous caller's cell above", () => {
      const routes = server.app.router.list();
      expect(routes.length).toBeGreaterThan(0);
      const missing = routes
        .filter((r) => !anonymous.some((c) => c.method === r.method && r.pattern.test(c.path)))
        .map((r) => `${r.method} ${r.path}`);
      expect(missing).toEqual([]);
    });
  });
});
