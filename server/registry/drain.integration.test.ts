import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SystemNotice } from "@/lib/protocol";
import { connect, makeClient, tokenFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { TestRedisServer } from "../testing/redis-server";
import { registryFeature, type RegistryService } from "./registry.feature";
import { startBalancer, type Balancer } from "../testing/balancer";
import { startProcessInstance, type ProcessInstance } from "../testing/process-instance";
import { eventually } from "./testing/wait";

const SHUTDOWN_TIMEOUT_MS = 15_000;

interface Tab {
  socket: TestSocket;
  noticeAt?: number;
  disconnectAt?: number;
  instances: string[];
}

/** A client that behaves like the browser's provider: it reconnects with jitter after the server closes it. */
function openTab(url: string, token: string, clientId: string): Tab {
  const socket = makeClient(url, { token, auth: { clientId } });
  const tab: Tab = { socket, instances: [] };
  const retry = () => setTimeout(() => socket.connect(), 50 + Math.random() * 200);
  socket.on("connect", () => {
    void socket.emitWithAck("session:info", {}).then((info) => {
      if (info.ok) tab.instances.push(info.instanceId);
    });
  });
  socket.on("system:notice", (n: SystemNotice) => {
    if (n.kind === "draining") tab.noticeAt ??= Date.now();
  });
  socket.on("disconnect", (reason) => {
    tab.disconnectAt ??= Date.now();
    if (reason === "io server disconnect") retry();
  });
  socket.on("connect_error", retry);
  socket.connect();
  return tab;
}

describe("drain: an instance gets SIGTERM", () => {
  let redis: TestRedisServer;
  let b: TestInstance;
  let a: ProcessInstance;
  let lb: Balancer;
  let registry: RegistryService["registry"];

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    [b, a] = await Promise.all([
      startInstance({ redisUrl: redis.url, env: { INSTANCE_ID: "inst-b" }, features: [registryFeature] }),
      startProcessInstance({
        REDIS_URL: redis.url,
        INSTANCE_ID: "inst-a",
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      }),
    ]);
    registry = b.app.services.registry!.registry;
    // While A is ready every new connection goes to A; once it drains, to B.
    lb = await startBalancer([a.url, b.url]);
  }, 90_000);
  afterAll(async () => {
    await lb?.close();
    await a?.stop();
    await b?.close();
    await redis?.stop();
  });

  it("turns readiness 503 before closing any socket, moves its clients to B, releases its entries and exits in time", async () => {
    const token = await tokenFor("alice");
    const tabs = [0, 1, 2].map((i) => openTab(lb.url, token, `drain-tab-${i}-abc`));
    await eventually(() => tabs.every((t) => t.instances.length === 1), "every tab is connected");
    expect(tabs.map((t) => t.instances[0])).toEqual(["inst-a", "inst-a", "inst-a"]);
    await eventually(async () => (await registry.byInstance("inst-a")).length === 3, "A's entries show");

    // Readiness, watched closely: four requests always in flight on kept-alive connections.
    const health: { sentAt: number; at: number; status: number }[] = [];
    let watching = true;
    const watchers = Array.from({ length: 4 }, async () => {
      while (watching) {
        const sentAt = Date.now();
        const status = await fetch(`${a.url}/api/health`).then(
          (r) => r.status,
          () => 0,
        );
        health.push({ sentAt, at: Date.now(), status });
      }
    });
    const signalledAt = Date.now();
    a.signal("SIGTERM");
    await eventually(() => health.some((h) => h.status === 503), "readiness turns 503");
    const first503 = health.find((h) => h.status === 503)!.at;
    // New connections straight to A are refused while it drains.
    const direct = await connect(a.url, { token });
    expect(direct).toMatchObject({ ok: false, code: "DRAINING" });
    const exit = await a.exited;
    watching = false;
    await Promise.all(watchers);
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS);

    // Readiness was already 503 before the first socket was closed, and once it was, no readiness request found
    // the instance ready.
    const closes = tabs.map((t) => t.disconnectAt);
    expect(closes.every((c) => c !== undefined)).toBe(true);
    const firstClose = Math.min(...(closes as number[]));
    expect(first503).toBeLessThan(firstClose);
    const readyAfterClose = health.filter((h) => h.sentAt > firstClose && h.status === 200);
    expect(readyAfterClose).toEqual([]);
    for (const tab of tabs) {
      expect(tab.noticeAt).toBeDefined();
      expect(tab.noticeAt!).toBeLessThanOrEqual(tab.disconnectAt!);
    }
    await eventually(() => tabs.every((t) => t.instances.length === 2), "every tab reconnected", 15_000);
    expect(tabs.map((t) => t.instances[1])).toEqual(["inst-b", "inst-b", "inst-b"]);
    expect(await registry.byInstance("inst-a")).toEqual([]);
    expect((await registry.byUser("alice")).map((e) => e.instanceId)).toEqual(["inst-b", "inst-b", "inst-b"]);
    expect((await registry.instances()).map((i) => i.instanceId)).toEqual(["inst-b"]);
    tabs.forEach((t) => t.socket.close());
  });
});
