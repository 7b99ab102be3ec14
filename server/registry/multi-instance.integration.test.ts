import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SystemNotice } from "@/lib/protocol";
import type { SessionsResponse } from "@/lib/protocol/sessions";
import { connect, connectOk, sessionCookieFor, tokenFor, waitFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { TestRedisServer } from "../testing/redis-server";
import { registryFeature, type RegistryService } from "./registry.feature";
import { eventually } from "./testing/wait";

describe("the registry across two instances on one Redis", () => {
  let redis: TestRedisServer;
  let a: TestInstance;
  let b: TestInstance;
  let registry: RegistryService["registry"];
  const open: TestSocket[] = [];

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    [a, b] = await Promise.all([
      startInstance({ redisUrl: redis.url, env: { INSTANCE_ID: "inst-a" }, features: [registryFeature] }),
      startInstance({ redisUrl: redis.url, env: { INSTANCE_ID: "inst-b" }, features: [registryFeature] }),
    ]);
    registry = a.app.services.registry!.registry;
  });
  afterEach(async () => {
    open.splice(0).forEach((s) => s.close());
    await eventually(async () => (await registry.count()) === 0, "every test's sockets are released");
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  const adminToken = () => tokenFor("admin", "admin");
  async function api(
    instance: TestInstance,
    method: string,
    path: string,
    opts: { token?: string; cookie?: string; body?: unknown; origin?: string } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.cookie) headers.cookie = opts.cookie;
    if (opts.origin) headers.origin = opts.origin;
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${instance.url}${path}`, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it("admits exactly 5 of 200 concurrent attempts by one user spread over both instances, five times over", async () => {
    const token = await tokenFor("alice");
    for (let round = 0; round < 5; round++) {
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          connect(i % 2 ? a.url : b.url, { token, auth: { clientId: `race-${round}-${i}-tab` } }),
        ),
      );
      const admitted = outcomes.filter((o) => o.ok);
      const refused = outcomes.filter((o) => !o.ok);
      try {
        expect(admitted).toHaveLength(5);
        expect(refused.every((o) => o.code === "CONNECTION_LIMIT")).toBe(true);
        expect(await registry.byUser("alice")).toHaveLength(5);
      } finally {
        admitted.forEach((o) => o.socket.close());
      }
      await eventually(async () => (await registry.count()) === 0, `round ${round}'s sockets are released`);
    }
  });

  it("applies a limit changed at run time through the admin API on both instances at once", async () => {
    const bobToken = await tokenFor("bob");
    try {
      const lowered = await api(a, "PUT", "/api/admin/limits/default", {
        token: await adminToken(),
        body: { limit: 2 },
      });
      expect(lowered).toMatchObject({
        status: 200,
        body: { ok: true, default: 2, defaultSource: "runtime" },
      });
      open.push(await connectOk(b.url, { token: bobToken }), await connectOk(a.url, { token: bobToken }));
      expect(await connect(b.url, { token: bobToken })).toMatchObject({
        ok: false,
        code: "CONNECTION_LIMIT",
        data: { limit: 2, active: 2 },
      });

      // A per-user override, set on B, applies on A for the very next connection.
      const raised = await api(b, "PUT", "/api/admin/limits/users/bob", {
        token: await adminToken(),
        body: { limit: 3 },
      });
      expect(raised).toMatchObject({ status: 200, body: { users: { bob: 3 } } });
      open.push(await connectOk(a.url, { token: bobToken }));
      expect(await connect(a.url, { token: bobToken })).toMatchObject({ ok: false, data: { limit: 3 } });
      // Other users still follow the runtime default.
      const carol = await tokenFor("carol");
      open.push(await connectOk(a.url, { token: carol }), await connectOk(b.url, { token: carol }));
      expect(await connect(a.url, { token: carol })).toMatchObject({ ok: false, data: { limit: 2 } });
    } finally {
      await api(a, "DELETE", "/api/admin/limits/users/bob", { token: await adminToken() });
      await api(a, "DELETE", "/api/admin/limits/default", { token: await adminToken() });
    }
    expect((await api(b, "GET", "/api/admin/limits", { token: await adminToken() })).body).toEqual({
      ok: true,
      default: 5,
      defaultSource: "config",
      configDefault: 5,
      users: {},
    });
  });

  it("guards the admin limits API: admins only, valid limits only", async () => {
    const path = "/api/admin/limits/default";
    expect((await api(a, "GET", "/api/admin/limits")).status).toBe(401);
    expect((await api(a, "PUT", path, { token: await tokenFor("bob"), body: { limit: 9 } })).status).toBe(
      403,
    );
    expect(
      (await api(a, "PUT", path, { cookie: await sessionCookieFor("bob"), body: { limit: 9 } })).status,
    ).toBe(403);
    for (const body of [{ limit: 0 }, { limit: 2.5 }, { limit: "3" }, { limit: 10_001 }, { other: 1 }]) {
      const res = await api(a, "PUT", path, { token: await adminToken(), body });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    }
    expect(
      (
        await api(a, "PUT", "/api/admin/limits/users/Not A Name", {
          token: await adminToken(),
          body: { limit: 1 },
        })
      ).status,
    ).toBe(400);
    const crossSite = await api(a, "PUT", path, {
      cookie: await sessionCookieFor("admin", "admin"),
      origin: "https://evil.example",
      body: { limit: 1 },
    });
    expect(crossSite.status).toBe(403);
    expect((await api(a, "GET", "/api/admin/limits", { token: await adminToken() })).body).toMatchObject({
      default: 5,
    });
  });

  it("lists a user's sessions on both instances and closes one remotely, freeing its slot at once", async () => {
    const cookie = await sessionCookieFor("dave");
    const onA = await connectOk(a.url, { cookie, origin: "http://localhost:3000" });
    const onB = await connectOk(b.url, { token: await tokenFor("dave") });
    open.push(onA, onB);
    // Someone else's session, which dave can neither see nor close.
    const erin = await connectOk(a.url, { token: await tokenFor("erin") });
    open.push(erin);

    const listed = await api(b, "GET", "/api/sessions", { cookie });
    expect(listed.status).toBe(200);
    const body = listed.body as unknown as SessionsResponse;
    expect(body).toMatchObject({ ok: true, limit: 5, active: 2 });
    expect(body.sessions.map((s) => s.instanceId).sort()).toEqual(["inst-a", "inst-b"]);
    expect(body.sessions.find((s) => s.via === "token")?.browser).toBeTruthy();
    expect(body.sessions.some((s) => s.page || s.lastActiveAt)).toBe(false);

    // A tab says which page it has open; the list, asked on the other instance, shows it and its last activity.
    const placed = await onA
      .timeout(5_000)
      .emitWithAck("session:place", { path: "/boards/b1", title: "Q3 plan", browserId: "browser-1" });
    expect(placed).toEqual({ ok: true });
    const described = (await api(b, "GET", "/api/sessions", { cookie })).body as unknown as SessionsResponse;
    const placedOnA = described.sessions.find((s) => s.instanceId === "inst-a");
    expect(placedOnA).toMatchObject({
      page: { path: "/boards/b1", title: "Q3 plan" },
      browserId: "browser-1",
    });
    expect(placedOnA?.lastActiveAt).toBeGreaterThan(0);
    expect(described.sessions.find((s) => s.instanceId === "inst-b")?.page).toBeUndefined();
    // A path must be in-app, and the browser id plain.
    const refused = await onA
      .timeout(5_000)
      .emitWithAck("session:place", { path: "https://evil.example", title: "x", browserId: "a b" });
    expect(refused).toMatchObject({ ok: false, error: { code: "VALIDATION" } });

    const erinId = (await registry.byUser("erin"))[0]!.connectionId;
    expect((await api(b, "DELETE", `/api/sessions/${erinId}`, { cookie })).status).toBe(404);
    expect((await api(b, "GET", "/api/sessions")).status).toBe(401);

    const target = body.sessions.find((s) => s.instanceId === "inst-a")!;
    const notice = waitFor<SystemNotice>(onA, "system:notice");
    const closed = waitFor<string>(onA, "disconnect");
    // Asked on B; the socket lives on A.
    const res = await api(b, "DELETE", `/api/sessions/${target.connectionId}`, {
      cookie,
      origin: "http://localhost:3000",
    });
    expect(res).toEqual({ status: 200, body: { ok: true, closed: target.connectionId } });
    expect((await registry.byUser("dave")).map((e) => e.instanceId)).toEqual(["inst-b"]);
    expect((await notice).kind).toBe("session-closed");
    expect(await closed).toBe("io server disconnect");
    expect(erin.connected).toBe(true);
  });

  it("refuses a cross-site request to close a session", async () => {
    const cookie = await sessionCookieFor("dave");
    open.push(await connectOk(a.url, { cookie, origin: "http://localhost:3000" }));
    const id = (await registry.byUser("dave"))[0]!.connectionId;
    const res = await api(a, "DELETE", `/api/sessions/${id}`, { cookie, origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(await registry.byUser("dave")).toHaveLength(1);
  });

  it("counts a tab reconnecting on the other instance once, and closes its old socket there", async () => {
    const token = await tokenFor("frank");
    const old = await connectOk(a.url, { token, auth: { clientId: "tab-frank-0001" } });
    open.push(old);
    const notice = waitFor<SystemNotice>(old, "system:notice");
    open.push(await connectOk(b.url, { token, auth: { clientId: "tab-frank-0001" } }));
    expect((await notice).kind).toBe("replaced");
    await eventually(() => !old.connected, "the old socket is closed");
    expect((await registry.byUser("frank")).map((e) => e.instanceId)).toEqual(["inst-b"]);
  });

  it("shows admins the registry across instances: instances, total, connections by user and by instance", async () => {
    const token = await tokenFor("gina");
    open.push(
      await connectOk(a.url, { token }),
      await connectOk(b.url, { token }),
      await connectOk(b.url, { token: await tokenFor("hank") }),
    );
    // Listing across users follows an index that other instances update within milliseconds.
    const admin = await adminToken();
    await eventually(
      async () => (await api(a, "GET", "/api/admin/registry", { token: admin })).body.total === 3,
      "every connection is listed",
    );
    const all = await api(a, "GET", "/api/admin/registry", { token: admin });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({
      ok: true,
      total: 3,
      instances: [
        { instanceId: "inst-a", alive: true, connections: 1 },
        { instanceId: "inst-b", alive: true, connections: 2 },
      ],
    });
    const byUser = await api(b, "GET", "/api/admin/registry?user=gina", { token: await adminToken() });
    expect((byUser.body.connections as { instanceId: string }[]).map((c) => c.instanceId)).toEqual([
      "inst-a",
      "inst-b",
    ]);
    const byInstance = await api(b, "GET", "/api/admin/registry?instance=inst-b", {
      token: await adminToken(),
    });
    expect((byInstance.body.connections as { user: string }[]).map((c) => c.user).sort()).toEqual([
      "gina",
      "hank",
    ]);
    expect((await api(a, "GET", "/api/admin/registry", { token })).status).toBe(403);
  });

  it("lists both instances as alive with a recent heartbeat", async () => {
    const instances = (await registry.instances()).sort((x, y) => x.instanceId.localeCompare(y.instanceId));
    expect(instances.map((i) => [i.instanceId, i.alive])).toEqual([
      ["inst-a", true],
      ["inst-b", true],
    ]);
    for (const i of instances) expect(Date.now() - i.lastHeartbeat).toBeLessThan(a.config.instanceLeaseMs);
  });
});
