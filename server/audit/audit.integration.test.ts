import { bySystem } from "./audit-log";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditAction, AuditEntry, AuditResponse } from "@/lib/protocol/audit";
import { TestBoardClient } from "../testing/board-client";
import { connectOk, passwordSignIn, sessionCookieFor, tokenFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { eventually } from "../metrics/test-helpers";
import { TestPostgres } from "../testing/postgres";
import { TestRedisServer } from "../testing/redis-server";
import { createAuthOptions } from "../auth/next-auth-options";
import { signInWithOidc } from "../auth/oidc";
import { testLogger } from "../testing/logger";
import { adminWatcher, connectAdminWatcher, type AdminWatcher } from "../admin/test-clients";

const LOCAL = /^127\.0\.0\.1$/;

/** A provider's settings for the tests that call the single sign-on code directly (no provider is contacted). */
const SSO = {
  issuer: "https://sso.example.test",
  clientId: "pulseboard",
  clientSecret: "secret",
  name: "SSO",
  usernameClaim: "preferred_username",
  groupsClaim: "groups",
  scopes: "openid profile",
};

interface Setup {
  name: string;
  start(): Promise<{ server: TestInstance; stop(): Promise<void> }>;
}

const setups: Setup[] = [
  {
    name: "embedded, SQLite",
    async start() {
      const server = await startInstance({ seedDemoUsers: true });
      return { server, stop: () => server.close() };
    },
  },
  {
    name: "Redis, PostgreSQL",
    async start() {
      const [pg, redis] = await Promise.all([TestPostgres.start(), TestRedisServer.start()]);
      try {
        const server = await startInstance({
          seedDemoUsers: true,
          redisUrl: redis.url,
          env: { DATABASE_URL: await pg.createDatabase(), WORKERS_INLINE: "true" },
        });
        return {
          server,
          async stop() {
            await server.close();
            await Promise.all([pg.stop(), redis.stop()]);
          },
        };
      } catch (err) {
        await Promise.all([pg.stop(), redis.stop()]);
        throw err;
      }
    },
  },
];

describe.each(setups)("the audit log ($name)", (setup) => {
  let server: TestInstance;
  let stopAll: (() => Promise<void>) | undefined;
  let admin: AdminWatcher;
  let adminToken: string;

  /** Every entry of `action`, newest first (the whole log of this test file fits in one page). */
  const entries = async (action: AuditAction): Promise<AuditEntry[]> =>
    (await server.backends.audit.page({ action, limit: 200 })).entries;

  /** The entries of `action` written while `fn` ran. */
  async function during(action: AuditAction, fn: () => Promise<unknown>): Promise<AuditEntry[]> {
    const before = new Set((await entries(action)).map((e) => e.id));
    await fn();
    return (await entries(action)).filter((e) => !before.has(e.id));
  }

  async function user(name: string): Promise<TestSocket> {
    return connectOk(server.url, { token: await tokenFor(name) });
  }

  beforeAll(async () => {
    const started = await setup.start();
    server = started.server;
    stopAll = started.stop;
    adminToken = await tokenFor("admin", "admin");
    admin = await adminWatcher(server.url, adminToken);
  });
  afterAll(async () => {
    admin?.close();
    await stopAll?.();
  });

  it("records a password sign-in and a refused one, with the user, the address and the method", async () => {
    const ok = await during("signin", async () => {
      expect(await passwordSignIn(server.url, "alice", "pulseboard")).toBeDefined();
    });
    expect(ok).toHaveLength(1);
    expect(ok[0]).toMatchObject({
      actor: "alice",
      method: "password",
      outcome: "success",
      target: { kind: "user", id: "alice" },
    });
    expect(ok[0]!.ip).toMatch(LOCAL);
    expect(Math.abs(ok[0]!.at - Date.now())).toBeLessThan(60_000);

    const refused = await during("signin", async () => {
      expect(await passwordSignIn(server.url, "alice", "wrong password")).toBeUndefined();
    });
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ actor: "alice", method: "password", outcome: "failure" });
  });

  it("writes one failure entry for a run of wrong passwords from one address, not one per attempt", async () => {
    const refused = await during("signin", async () => {
      for (let i = 0; i < 4; i++)
        expect(await passwordSignIn(server.url, "ghost", `wrong password ${i}`)).toBeUndefined();
    });
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ actor: "ghost", method: "password", outcome: "failure" });
  });

  it("records a token's creation and revocation, each once, and nothing for a refused revocation", async () => {
    const cookie = await sessionCookieFor("bob");
    let id = "";
    const created = await during("token.create", async () => {
      const res = await fetch(`${server.url}/api/tokens`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ name: "ci", ttlSeconds: 600 }),
      });
      expect(res.status).toBe(201);
      id = ((await res.json()) as { record: { id: string } }).record.id;
    });
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      actor: "bob",
      method: "session",
      outcome: "success",
      target: { kind: "token", id },
      details: { name: "ci", owner: "bob" },
    });
    expect(created[0]!.ip).toMatch(LOCAL);

    const byOther = await during("token.revoke", async () => {
      const res = await fetch(`${server.url}/api/tokens/${id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${await tokenFor("alice")}` },
      });
      expect(res.status).toBe(404);
    });
    expect(byOther).toHaveLength(0);

    const revoked = await during("token.revoke", async () => {
      const res = await fetch(`${server.url}/api/tokens/${id}`, { method: "DELETE", headers: { cookie } });
      expect(res.status).toBe(200);
    });
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ actor: "bob", target: { kind: "token", id }, outcome: "success" });

    const again = await during("token.revoke", async () => {
      const res = await fetch(`${server.url}/api/tokens/${id}`, { method: "DELETE", headers: { cookie } });
      expect(res.status).toBe(404);
    });
    expect(again).toHaveLength(0);
  });

  it("records a role change once, with the previous role, and nothing when the role stays or the user is unknown", async () => {
    const { users } = server.backends;
    await tokenFor("carol");
    const audit = {
      actor: null,
      method: "cli",
      action: "user.role",
      target: { kind: "user", id: "carol" },
    } as const;
    const changed = await during("user.role", async () => {
      expect(await users.setRole("carol", "admin", audit)).toBe(true);
      expect(await users.setRole("carol", "admin", audit)).toBe(true);
      expect(
        await users.setRole("nobody", "admin", { ...audit, target: { kind: "user", id: "nobody" } }),
      ).toBe(false);
    });
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({
      actor: null,
      method: "cli",
      target: { kind: "user", id: "carol" },
      details: { from: "user", to: "admin" },
    });
    await users.setRole("carol", "user", bySystem("user.role", { kind: "user", id: "carol" }));
  });

  it("records the role of a user provisioned at their first single sign-on, admin from the groups included", async () => {
    const config = { ...SSO, adminGroup: "pulseboard-admins" };
    const deps = { config, users: server.backends.users, logger: testLogger() };
    const from = { ip: "127.0.0.1", method: "oidc" } as const;
    const roles = await during("user.role", async () => {
      const ada = await signInWithOidc(
        deps,
        { sub: "ada-sub", preferred_username: "ada", groups: ["pulseboard-admins"] },
        from,
      );
      expect(ada).toMatchObject({ ok: true, user: { role: "admin" } });
      const bea = await signInWithOidc(deps, { sub: "bea-sub", preferred_username: "bea", groups: [] }, from);
      expect(bea).toMatchObject({ ok: true, user: { role: "user" } });
      // Signing in again with the same groups changes nothing.
      await signInWithOidc(
        deps,
        { sub: "ada-sub", preferred_username: "ada", groups: ["pulseboard-admins"] },
        from,
      );
    });
    expect(roles).toHaveLength(2);
    expect(roles.find((e) => e.actor === "ada")).toMatchObject({
      method: "oidc",
      target: { kind: "user", id: "ada" },
      details: { from: null, to: "admin", source: "oidc-groups" },
    });
    expect(roles.find((e) => e.actor === "bea")).toMatchObject({ details: { from: null, to: "user" } });
  });

  it("refuses an account in none of OIDC_ALLOWED_GROUPS with a readable error and a failure entry, and creates no user", async () => {
    const oidc = { ...SSO, allowedGroups: ["staff", "contractors"] };
    const options = createAuthOptions({
      users: server.backends.users,
      secret: "an-auth-secret-an-auth-secret-an-auth",
      logger: testLogger(),
      audit: server.backends.audit,
      oidc,
      publicUrl: "https://pulseboard.example.test",
      currentRequest: () => ({ ip: "127.0.0.9", stateCookie: true }),
    });
    const signInWith = (sub: string, name: string, groups: string[]) =>
      options.callbacks!.signIn!({
        user: { id: sub },
        account: { provider: "oidc", type: "oauth", providerAccountId: sub },
        profile: { sub, preferred_username: name, groups } as never,
      });
    const refused = await during("signin", async () => {
      expect(await signInWith("stranger-sub", "stranger", ["public"])).toBe(
        "https://pulseboard.example.test/signin?error=OidcNotAllowed",
      );
    });
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      actor: "stranger",
      method: "oidc",
      outcome: "failure",
      ip: "127.0.0.9",
      details: { error: "OidcNotAllowed" },
    });
    expect(await server.backends.users.get("stranger")).toBeUndefined();
    expect(await signInWith("contractor-sub", "contractor", ["contractors"])).toBe(true);
    expect(await server.backends.users.get("contractor")).toMatchObject({ role: "user" });
  });

  it("records a password change once, and nothing for an unknown user", async () => {
    const { users } = server.backends;
    const audit = (id: string) =>
      ({ actor: null, method: "cli", action: "user.password", target: { kind: "user", id } }) as const;
    await tokenFor("dave");
    const changed = await during("user.password", async () => {
      expect(await users.setPassword("dave", "scrypt$1$1$1$a$b", audit("dave"))).toBe(true);
      expect(await users.setPassword("nobody", "scrypt$1$1$1$a$b", audit("nobody"))).toBe(false);
    });
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ method: "cli", target: { kind: "user", id: "dave" } });
  });

  it("records an admin's disconnect and announcement", async () => {
    const bob = await user("bob");
    try {
      const disconnects = await during("admin.disconnect", async () => {
        const res = await admin.socket.emitWithAck("admin:disconnect-user", { user: "bob" });
        expect(res).toMatchObject({ ok: true, closed: 1 });
      });
      expect(disconnects).toHaveLength(1);
      expect(disconnects[0]).toMatchObject({
        actor: "admin",
        method: "token",
        target: { kind: "user", id: "bob" },
        details: { closed: 1 },
      });
      expect(disconnects[0]!.ip).toMatch(LOCAL);
    } finally {
      bob.close();
    }
    const announcements = await during("admin.announce", async () => {
      const res = await admin.socket.emitWithAck("admin:announce", { message: "maintenance at noon" });
      expect(res).toMatchObject({ ok: true });
      const refused = await admin.socket.emitWithAck("admin:announce", { message: "   " });
      expect(refused).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    });
    expect(announcements).toHaveLength(1);
    expect(announcements[0]).toMatchObject({ actor: "admin", details: { message: "maintenance at noon" } });
  });

  it("records limit changes from the panel and from the HTTP API, and nothing for a refused one", async () => {
    const changes = await during("limit.set", async () => {
      expect(await admin.socket.emitWithAck("admin:set-limit", { user: "bob", limit: 3 })).toMatchObject({
        ok: true,
      });
      expect(await admin.socket.emitWithAck("admin:set-limit", { limit: 0 })).toMatchObject({ ok: false });
      const res = await fetch(`${server.url}/api/admin/limits/default`, {
        method: "PUT",
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ limit: 7 }),
      });
      expect(res.status).toBe(200);
      const refused = await fetch(`${server.url}/api/admin/limits/default`, {
        method: "PUT",
        headers: { authorization: `Bearer ${await tokenFor("alice")}`, "content-type": "application/json" },
        body: JSON.stringify({ limit: 9 }),
      });
      expect(refused.status).toBe(403);
    });
    expect(changes).toHaveLength(2);
    expect(changes.find((e) => e.target?.kind === "user")).toMatchObject({
      actor: "admin",
      target: { kind: "user", id: "bob" },
      details: { limit: 3 },
    });
    expect(changes.find((e) => e.target?.kind === "limits")).toMatchObject({
      actor: "admin",
      target: { kind: "limits", id: "default" },
      details: { limit: 7 },
    });
    await admin.socket.emitWithAck("admin:set-limit", { user: "bob", limit: null });
    await admin.socket.emitWithAck("admin:set-limit", { limit: null });
  });

  it("records an admin's retry of a failed task, and nothing for a refused retry", async () => {
    const alice = await user("alice");
    try {
      const created = await alice.emitWithAck("board:create", { title: "Retry" });
      if (!created.ok) throw new Error(created.error.message);
      const board = new TestBoardClient(alice, created.board.id);
      await board.join();
      const layout = { x: 0, y: 0, w: 6, h: 4 };
      await board.op({ type: "widget.add", widget: { id: "chart", type: "chart", title: "Empty", layout } });
      const started = await alice.emitWithAck("task:start", {
        kind: "chart-summary",
        boardId: created.board.id,
        chartWidgetId: "chart",
      });
      if (!started.ok) throw new Error(started.error.message);
      const taskId = started.task.id;
      await eventually(async () => {
        const q = await admin.socket.emitWithAck("admin:queue", {});
        expect(q.ok && q.failed.some((t) => t.id === taskId)).toBe(true);
      }, 15_000);
      const retries = await during("task.retry", async () => {
        expect(await admin.socket.emitWithAck("admin:retry-task", { taskId })).toMatchObject({ ok: true });
        expect(await admin.socket.emitWithAck("admin:retry-task", { taskId: "no-such-task" })).toMatchObject({
          ok: false,
          error: { code: "NOT_FOUND" },
        });
      });
      expect(retries).toHaveLength(1);
      expect(retries[0]).toMatchObject({
        actor: "admin",
        target: { kind: "task", id: taskId },
        details: { owner: "alice" },
      });
    } finally {
      alice.close();
    }
  });

  it("records a board's sharing, role change, unsharing, deletion and restore, and nothing for refused ones", async () => {
    const alice = await user("alice");
    const bob = await user("bob");
    try {
      const created = await alice.emitWithAck("board:create", { title: "Shared" });
      if (!created.ok) throw new Error(created.error.message);
      const boardId = created.board.id;
      const board = new TestBoardClient(alice, boardId);
      await board.join();

      const shared = await during("board.share", async () => {
        expect(await board.op({ type: "member.set", user: "bob", role: "viewer" })).toMatchObject({
          ok: true,
        });
        expect(await board.op({ type: "member.set", user: "nobody", role: "viewer" })).toMatchObject({
          ok: false,
        });
      });
      expect(shared).toHaveLength(1);
      expect(shared[0]).toMatchObject({
        actor: "alice",
        method: "token",
        target: { kind: "board", id: boardId },
        details: { user: "bob", from: null, to: "viewer" },
      });
      expect(shared[0]!.ip).toMatch(LOCAL);

      const roles = await during("board.member-role", async () => {
        expect(await board.op({ type: "member.set", user: "bob", role: "editor" })).toMatchObject({
          ok: true,
        });
        // Bob is no owner: his attempt to promote himself is refused.
        const bobs = new TestBoardClient(bob, boardId);
        await bobs.join();
        expect(await bobs.op({ type: "member.set", user: "bob", role: "viewer" })).toMatchObject({
          ok: false,
        });
      });
      expect(roles).toHaveLength(1);
      expect(roles[0]).toMatchObject({
        actor: "alice",
        details: { user: "bob", from: "viewer", to: "editor" },
      });

      const unshared = await during("board.unshare", async () => {
        expect(await board.op({ type: "member.set", user: "bob", role: null })).toMatchObject({ ok: true });
      });
      expect(unshared).toHaveLength(1);
      expect(unshared[0]).toMatchObject({
        actor: "alice",
        details: { user: "bob", from: "editor", to: null },
      });

      const deleted = await during("board.delete", async () => {
        expect(await bob.emitWithAck("board:delete", { boardId })).toMatchObject({ ok: false });
        expect(await alice.emitWithAck("board:delete", { boardId })).toMatchObject({ ok: true });
        expect(await alice.emitWithAck("board:delete", { boardId })).toMatchObject({ ok: false });
      });
      expect(deleted).toHaveLength(1);
      expect(deleted[0]).toMatchObject({
        actor: "alice",
        target: { kind: "board", id: boardId },
        details: { title: "Shared" },
      });

      const restored = await during("board.restore", async () => {
        expect(await bob.emitWithAck("board:restore", { boardId })).toMatchObject({ ok: false });
        expect(await alice.emitWithAck("board:restore", { boardId })).toMatchObject({ ok: true });
        expect(await alice.emitWithAck("board:restore", { boardId })).toMatchObject({ ok: false });
      });
      expect(restored).toHaveLength(1);
      expect(restored[0]).toMatchObject({ actor: "alice", target: { kind: "board", id: boardId } });
    } finally {
      alice.close();
      bob.close();
    }
  });

  it("lets admins page through the log with filters, over HTTP and on /admin alike", async () => {
    const get = async (query: string, token = adminToken) =>
      fetch(`${server.url}/api/admin/audit?${query}`, { headers: { authorization: `Bearer ${token}` } });
    // The newest sign-ins: a success, then a failure (a name of its own, whose failures are not yet in the log).
    expect(await passwordSignIn(server.url, "bob", "pulseboard")).toBeDefined();
    expect(await passwordSignIn(server.url, "pager", "wrong password")).toBeUndefined();
    const first = await get("action=signin&limit=1");
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as AuditResponse;
    expect(page1.entries).toHaveLength(1);
    expect(page1.entries[0]).toMatchObject({ action: "signin", outcome: "failure" });
    expect(page1.nextCursor).toBe(page1.entries[0]!.id);
    const page2 = (await (
      await get(`action=signin&limit=1&cursor=${page1.nextCursor}`)
    ).json()) as AuditResponse;
    expect(page2.entries[0]).toMatchObject({ action: "signin", outcome: "success" });
    expect(Number(page2.entries[0]!.id)).toBeLessThan(Number(page1.entries[0]!.id));

    const byUser = (await (await get("user=carol")).json()) as AuditResponse;
    // carol's creation, the role change of the test above, and its revert: role entries only.
    expect(byUser.entries.map((e) => e.details)).toEqual([
      { from: "admin", to: "user" },
      { from: "user", to: "admin" },
      { from: null, to: "user" },
    ]);
    expect(new Set(byUser.entries.map((e) => e.action))).toEqual(new Set(["user.role"]));
    const future = (await (await get(`from=${Date.now() + 60_000}`)).json()) as AuditResponse;
    expect(future).toMatchObject({ entries: [], nextCursor: null });
    expect((await get("action=drop-table")).status).toBe(400);

    const viaEvent = await admin.socket.emitWithAck("admin:audit", { user: "carol" });
    expect(viaEvent).toMatchObject({ ok: true, entries: byUser.entries, nextCursor: null });
  });

  it("does not let a non-admin read the log: 403 over HTTP, refused on /admin", async () => {
    const alice = await tokenFor("alice");
    const res = await fetch(`${server.url}/api/admin/audit`, {
      headers: { authorization: `Bearer ${alice}` },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect((await fetch(`${server.url}/api/admin/audit`)).status).toBe(401);
    expect(await connectAdminWatcher(server.url, { token: alice })).toEqual({ ok: false, code: "FORBIDDEN" });

    // An admin demoted while connected is refused the event.
    const erin = await tokenFor("erin", "admin");
    const watcher = await adminWatcher(server.url, erin);
    try {
      await server.backends.users.setRole("erin", "user", bySystem("user.role"));
      server.app.context.authenticator.forget({ user: "erin" });
      const refused = await watcher.socket.emitWithAck("admin:audit", {});
      expect(refused).toMatchObject({ ok: false });
      expect(refused.ok ? undefined : refused.error.code).toMatch(/^(FORBIDDEN|UNAUTHORIZED)$/);
    } finally {
      watcher.close();
    }
  });

  it("is append-only: the database refuses to change an entry", async () => {
    const db = server.backends.database!.db;
    await expect(sql`update audit_log set actor = 'mallory'`.execute(db)).rejects.toThrow(/append-only/);
  });

  it("deletes entries past their retention, and only those", async () => {
    const { audit } = server.backends;
    await audit.append({ actor: "old", action: "admin.announce", at: 1_000 });
    await audit.append({ actor: "old", action: "admin.announce", at: Date.now() });
    expect(await audit.prune(Date.now() - 86_400_000)).toBe(1);
    const left = await audit.page({ user: "old", limit: 10 });
    expect(left.entries).toHaveLength(1);
  });
});

describe("the audit log of single sign-on callbacks", () => {
  let server: TestInstance;
  beforeAll(async () => {
    // An issuer nobody answers at: every callback fails, as one with a forged code or state does.
    server = await startInstance({
      env: {
        OIDC_ISSUER: "http://127.0.0.1:9",
        OIDC_CLIENT_ID: "pulseboard",
        OIDC_CLIENT_SECRET: "a-client-secret",
      },
    });
  });
  afterAll(() => server?.close());

  const failures = async () =>
    (await server.backends.audit.page({ action: "signin", limit: 200 })).entries.filter(
      (e) => e.method === "oidc",
    );
  const callback = async (cookie?: string) => {
    const res = await fetch(`${server.url}/api/auth/callback/oidc?code=forged&state=forged`, {
      redirect: "manual",
      headers: cookie ? { cookie } : {},
    });
    await res.body?.cancel();
  };

  it("writes nothing for a callback without the state cookie, and one entry for a browser that started a sign-in", async () => {
    for (let i = 0; i < 3; i++) await callback();
    await callback("next-auth.state=started-here");
    // The entry of the last callback is written after its response: once it is there, the others would be too.
    const entries = await eventually(async () => {
      const found = await failures();
      if (found.length === 0) throw new Error("no entry yet");
      return found;
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: null,
      outcome: "failure",
      details: { code: "OAUTH_CALLBACK_ERROR" },
    });
  });
});
