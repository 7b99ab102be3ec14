import { SYSTEM_ACTOR, bySystem } from "../../../server/audit/audit-log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CreateTokenResponse, TokensResponse } from "@/lib/protocol/tokens";
import { eventually } from "@/server/metrics/test-helpers";
import { connect, connectOk, sessionCookieFor, tokenFor, type TestSocket } from "@/server/testing/clients";
import { startInstance, type TestInstance } from "@/server/testing/instance";
import { TestRedisServer } from "@/server/testing/redis-server";
import { connectAdminWatcher } from "@/server/admin/test-clients";

/**
 * Demoted admins and revoked tokens, cell by cell, in both modes. Roles come from the user store at every
 * privileged step; a revoked, superseded (password or role changed) or orphaned (user removed) credential is
 * refused at its next request, and its open sockets are closed within seconds, on every instance.
 *
 * Changes are made straight in the stores, as `npm run users` and `npm run token` make them from another process:
 * nothing tells the server, which must notice by itself (AUTH_RECHECK_MS, 2 s by default).
 */
const WITHIN_MS = 8_000;
/** Tasks run in the instances, so that the export is done without a worker process. */
const INLINE = { WORKERS_INLINE: "true" };

type Mode = "embedded" | "redis";

describe.each<Mode>(["embedded", "redis"])("roles and tokens (%s)", (mode) => {
  let redis: TestRedisServer | undefined;
  let a: TestInstance;
  /** A second instance on the same Redis, in Redis mode; `a` again in embedded mode. */
  let b: TestInstance;
  let taskId = "";
  let n = 0;

  beforeAll(async () => {
    if (mode === "redis") redis = await TestRedisServer.start();
    a = await startInstance({ redisUrl: redis?.url, env: INLINE });
    b = mode === "redis" ? await startInstance({ redisUrl: redis?.url, env: INLINE }) : a;
    await a.backends.users.create(
      { name: "alice", role: "user", passwordHash: "-", createdAt: 0 },
      SYSTEM_ACTOR,
    );
    // A finished export owned by alice: the download is hers, or an admin's.
    const alice = await connectOk(a.url, { token: await tokenFor("alice") });
    const created = await alice.emitWithAck("board:create", { title: "Hers" });
    if (!created.ok) throw new Error(created.error.message);
    const task = await alice.emitWithAck("task:start", { kind: "board-export", boardId: created.board.id });
    if (!task.ok) throw new Error(task.error.message);
    taskId = task.task.id;
    alice.close();
  });
  afterAll(async () => {
    if (b !== a) await b?.close();
    await a?.close();
    await redis?.stop();
  });

  /** A fresh admin (or user), so that each cell starts from a clean slate. */
  async function freshUser(role: "admin" | "user") {
    const name = `${role}${++n}${mode[0]}`;
    await a.backends.users.create(
      { name, role, passwordHash: "-", createdAt: Date.now() - 5_000 },
      SYSTEM_ACTOR,
    );
    return name;
  }
  const get = (url: string, path: string, headers: Record<string, string>) =>
    fetch(`${url}${path}`, { headers }).then(async (r) => {
      await r.body?.cancel();
      return r.status;
    });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const download = () => `/api/tasks/${taskId}/download?format=json`;
  const closedWithin = async (socket: { connected: boolean }, label: string) => {
    const started = Date.now();
    await eventually(() => expect(socket.connected).toBe(false), WITHIN_MS);
    console.log(`[${mode}] ${label}: socket closed after ${Date.now() - started} ms`);
  };

  describe("a credential that claims admin for a user the store calls a user", () => {
    it("gets no admin route, no /admin socket and no one else's task", async () => {
      const name = await freshUser("user");
      const cookie = { cookie: await sessionCookieFor(name, "admin") };
      // The cookie claims admin (a stale or hand-made claim); the store says user.
      expect(await get(a.url, "/api/admin/limits", cookie)).toBe(403);
      expect(await get(a.url, "/api/admin/registry", cookie)).toBe(403);
      expect(await get(a.url, download(), cookie)).toBe(404);
      expect(await connectAdminWatcher(a.url, cookie)).toEqual({ ok: false, code: "FORBIDDEN" });
      const s = await connectOk(a.url, { cookie: cookie.cookie });
      expect(await s.emitWithAck("session:info", {})).toMatchObject({ user: { role: "user" } });
      expect(await s.emitWithAck("task:retry", { taskId })).toMatchObject({
        ok: false,
        error: { code: "NOT_FOUND" },
      });
      s.close();
    });
  });

  describe("a demoted admin", () => {
    it("loses the HTTP admin routes, /admin pushes and task-admin powers within seconds, everywhere", async () => {
      const name = await freshUser("admin");
      const token = await tokenFor(name);
      const cookie = { cookie: await sessionCookieFor(name) };
      expect(await get(a.url, "/api/admin/limits", bearer(token))).toBe(200);
      expect(await get(b.url, "/api/admin/registry", cookie)).toBe(200);
      await eventually(async () => expect(await get(a.url, download(), cookie)).toBe(200), WITHIN_MS);
      const watcher = await connectAdminWatcher(b.url, { token });
      if (!watcher.ok) throw new Error(watcher.code);
      const pushes: number[] = [];
      watcher.watcher.socket.on("admin:update", () => pushes.push(Date.now()));
      await eventually(() => expect(pushes.length).toBeGreaterThan(0), WITHIN_MS);
      const main = await connectOk(a.url, { cookie: cookie.cookie });
      const retry = await main.emitWithAck("task:retry", { taskId });
      expect(retry.ok ? "ok" : retry.error.code).not.toBe("NOT_FOUND");

      await a.backends.users.setRole(name, "user", bySystem("user.role"));
      const demotedAt = Date.now();
      await closedWithin(watcher.watcher.socket, "demoted admin's /admin socket");
      await closedWithin(main, "demoted admin's main socket");
      expect(pushes.filter((t) => t > Date.now()).length).toBe(0);
      const pushed = pushes.length;
      for (const instance of [a, b]) {
        await eventually(async () => {
          expect(await get(instance.url, "/api/admin/limits", bearer(token))).toBe(401);
          expect(await get(instance.url, "/api/admin/registry", cookie)).toBe(401);
          expect(await get(instance.url, download(), cookie)).toBe(401);
        }, WITHIN_MS);
      }
      console.log(`[${mode}] demoted admin refused on every route after ${Date.now() - demotedAt} ms`);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(pushes.length).toBe(pushed);
      // Signed in again as the user they now are: still no admin powers.
      const again = { cookie: await sessionCookieFor(name) };
      expect(await get(a.url, "/api/admin/limits", again)).toBe(403);
      expect(await get(a.url, download(), again)).toBe(404);
      expect(await connectAdminWatcher(b.url, again)).toEqual({ ok: false, code: "FORBIDDEN" });
    });
  });

  describe("a revoked token", () => {
    it("is refused at the next request and its sockets close within seconds (revoked over HTTP)", async () => {
      const name = await freshUser("admin");
      const cookie = await sessionCookieFor(name);
      const minted = await fetch(`${a.url}/api/tokens`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ name: "script", ttlSeconds: 600 }),
      });
      expect(minted.status).toBe(201);
      const { token, record } = (await minted.json()) as CreateTokenResponse;
      const onA = await connectOk(a.url, { token });
      const onB = await connectOk(b.url, { token });
      const admin = await connectAdminWatcher(b.url, { token });
      if (!admin.ok) throw new Error(admin.code);
      expect(await get(b.url, "/api/sessions", bearer(token))).toBe(200);

      const res = await fetch(`${a.url}/api/tokens/${record.id}`, { method: "DELETE", headers: { cookie } });
      expect(res.status).toBe(200);
      // Refused at once on the instance that revoked it; within AUTH_RECHECK_MS on the others.
      expect(await get(a.url, "/api/sessions", bearer(token))).toBe(401);
      expect(await connect(a.url, { token })).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
      await eventually(async () => expect(await get(b.url, "/api/sessions", bearer(token))).toBe(401));
      await closedWithin(onA, "revoked token, same instance");
      await closedWithin(onB, "revoked token, other instance");
      await closedWithin(admin.watcher.socket, "revoked token, /admin");
      // The owner's session is untouched.
      expect(await get(a.url, "/api/tokens", { cookie })).toBe(200);
    });

    it("is refused once revoked in the store by the CLI, and its socket closes within seconds", async () => {
      const name = await freshUser("user");
      const token = await tokenFor(name);
      const socket: TestSocket = await connectOk(b.url, { token });
      const list = (await (
        await fetch(`${a.url}/api/tokens`, { headers: bearer(token) })
      ).json()) as TokensResponse;
      expect(list.tokens).toHaveLength(1);
      await a.backends.tokens.revoke(list.tokens[0]!.id);
      await closedWithin(socket, "token revoked in the store");
      expect(await get(a.url, "/api/sessions", bearer(token))).toBe(401);
    });

    it("can be revoked by its owner or any admin, by nobody else", async () => {
      const owner = await freshUser("user");
      const other = await freshUser("user");
      const admin = await freshUser("admin");
      const token = await tokenFor(owner);
      const { tokens } = (await (
        await fetch(`${a.url}/api/tokens`, { headers: bearer(token) })
      ).json()) as TokensResponse;
      const id = tokens[0]!.id;
      const del = (as: string) =>
        fetch(`${a.url}/api/tokens/${id}`, { method: "DELETE", headers: bearer(as) }).then((r) => r.status);
      // Someone else's id answers as an unknown one does; a token claiming admin for a user is no admin.
      expect(await del(await tokenFor(other))).toBe(404);
      expect(await del(await tokenFor(other, "admin"))).toBe(404);
      expect(await get(a.url, "/api/sessions", bearer(token))).toBe(200);
      expect(await del(await tokenFor(admin))).toBe(200);
      expect(await get(a.url, "/api/sessions", bearer(token))).toBe(401);
      expect(await del(await tokenFor(admin))).toBe(404);
    });
  });

  describe("a password change or a removal", () => {
    it("ends every session and token of the user, sockets included", async () => {
      for (const change of ["password", "removal"] as const) {
        const name = await freshUser("user");
        const token = await tokenFor(name);
        const cookie = await sessionCookieFor(name);
        const byToken = await connectOk(a.url, { token });
        const byCookie = await connectOk(b.url, { cookie });
        if (change === "password")
          await a.backends.users.setPassword(name, "scrypt$new", bySystem("user.password"));
        else await a.backends.users.remove(name);
        await closedWithin(byToken, `${change}: token socket`);
        await closedWithin(byCookie, `${change}: session socket`);
        expect(await get(a.url, "/api/sessions", bearer(token))).toBe(401);
        expect(await get(b.url, "/api/sessions", { cookie })).toBe(401);
        if (change === "removal") {
          // The same name created again is someone else: the old credentials stay refused.
          await a.backends.users.create(
            {
              name,
              role: "user",
              passwordHash: "-",
              createdAt: Date.now() + 2_000,
            },
            SYSTEM_ACTOR,
          );
          await new Promise((r) => setTimeout(r, 2_100));
          expect(await get(a.url, "/api/sessions", bearer(token))).toBe(401);
          expect(await get(b.url, "/api/sessions", { cookie })).toBe(401);
        }
      }
    });
  });
});
