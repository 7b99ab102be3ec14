import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SystemNotice } from "@/lib/protocol";
import { defineFeature } from "../features";
import { connectError } from "../realtime/connect-error";
import { connect, connectOk, makeClient, tokenFor, waitFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { registryFeature, type RegistryService } from "./registry.feature";
import { eventually } from "./testing/wait";

/** A middleware after the registry's that refuses sockets asking for it, or holds them until released. */
function laterMiddleware() {
  const held: (() => void)[] = [];
  let holding = 0;
  const feature = defineFeature({
    name: "later",
    setup(ctx) {
      ctx.io.use((socket, next) => {
        const auth = socket.handshake.auth as { refuse?: boolean; hold?: boolean };
        if (auth.refuse) return next(connectError("FORBIDDEN", "refused by a later middleware"));
        if (auth.hold) {
          holding++;
          return held.push(() => next());
        }
        next();
      });
    },
  });
  return {
    feature,
    holding: () => holding,
    releaseAll: () => held.splice(0).forEach((go) => go()),
  };
}

describe("registry admission on one instance (embedded)", () => {
  const later = laterMiddleware();
  let server: TestInstance;
  let service: RegistryService;
  const open: TestSocket[] = [];
  const rejected: string[] = [];

  beforeAll(async () => {
    server = await startInstance({
      features: [registryFeature, later.feature],
      env: { MAX_CONNECTIONS_PER_USER: "2", INSTANCE_LEASE_MS: "1500" },
    });
    service = server.app.services.registry!;
    server.app.bus.on("handshake:rejected", (code) => rejected.push(code));
  });
  afterEach(async () => {
    open.splice(0).forEach((s) => s.close());
    await eventually(async () => (await service.registry.count()) === 0, "every test's sockets are released");
  });
  afterAll(() => server.close());

  const join = async (user: string, auth: Record<string, unknown> = {}) => {
    const socket = await connectOk(server.url, { token: await tokenFor(user), auth });
    open.push(socket);
    return socket;
  };

  it("refuses the connection over the limit with CONNECTION_LIMIT { limit, active }, and admits after a close", async () => {
    const first = await join("alice");
    await join("alice");
    const before = rejected.length;
    const refused = await connect(server.url, { token: await tokenFor("alice") });
    expect(refused).toMatchObject({
      ok: false,
      code: "CONNECTION_LIMIT",
      data: { code: "CONNECTION_LIMIT", limit: 2, active: 2 },
    });
    expect(rejected.slice(before)).toEqual(["CONNECTION_LIMIT"]);
    // Another user has a limit of their own.
    await join("bob");

    first.close();
    await eventually(async () => (await service.registry.byUser("alice")).length === 1, "the slot is free");
    await join("alice");
  });

  it("records the connection's details", async () => {
    const socket = await join("alice", { clientId: "tab-details-01" });
    const info = await socket.emitWithAck("session:info", {});
    expect(await service.registry.byUser("alice")).toEqual([
      expect.objectContaining({
        connectionId: info.ok ? info.connectionId : "?",
        user: "alice",
        instanceId: server.config.instanceId,
        clientId: "tab-details-01",
        transport: "websocket",
        ip: "127.0.0.1",
        via: "token",
      }),
    ]);
  });

  it("releases the slot of a socket refused by a later middleware", async () => {
    await join("alice");
    for (let i = 0; i < 3; i++) {
      const outcome = await connect(server.url, { token: await tokenFor("alice"), auth: { refuse: true } });
      expect(outcome).toMatchObject({ ok: false, code: "FORBIDDEN" });
    }
    await eventually(
      async () => (await service.registry.byUser("alice")).length === 1,
      "the refused sockets' slots are released",
      5_000,
    );
    await join("alice");
  });

  it("releases the slot of a client that leaves during the handshake", async () => {
    const socket = makeClient(server.url, { token: await tokenFor("carol"), auth: { hold: true } });
    const heldBefore = later.holding();
    socket.connect();
    await eventually(() => later.holding() > heldBefore, "the handshake reaches the later middleware");
    expect(await service.registry.byUser("carol")).toHaveLength(1);
    socket.close();
    await new Promise((r) => setTimeout(r, 50));
    later.releaseAll();
    await eventually(
      async () => (await service.registry.byUser("carol")).length === 0,
      "the abandoned handshake's slot is released",
      5_000,
    );
  });

  it("counts a reconnecting tab once and closes its previous socket with a `replaced` notice", async () => {
    const old = await join("alice", { clientId: "tab-reconnect-1" });
    await join("alice", { clientId: "tab-other-2" });
    const notice = waitFor<SystemNotice>(old, "system:notice");
    const closed = waitFor<string>(old, "disconnect");
    // At the limit, yet admitted: it is the same tab.
    await join("alice", { clientId: "tab-reconnect-1" });
    expect((await notice).kind).toBe("replaced");
    expect(await closed).toBe("io server disconnect");
    await eventually(async () => (await service.registry.byUser("alice")).length === 2, "two entries remain");
  });

  it("keeps one entry when a polling socket upgrades to WebSocket, with the new transport", async () => {
    const socket = await connectOk(server.url, {
      token: await tokenFor("dave"),
      transports: ["polling", "websocket"],
    });
    open.push(socket);
    await eventually(
      async () => (await service.registry.byUser("dave"))[0]?.transport === "websocket",
      "the upgrade is recorded",
    );
    expect(socket.io.engine.transport.name).toBe("websocket");
    expect(await service.registry.byUser("dave")).toHaveLength(1);
  });

  it("closes a socket whose entry vanished from the registry at the next heartbeat", async () => {
    const socket = await join("erin");
    const [entry] = await service.registry.byUser("erin");
    const notice = waitFor<SystemNotice>(socket, "system:notice");
    const closed = waitFor<string>(socket, "disconnect");
    // As if its close request never reached this instance: the registry no longer counts it, so it must go.
    await service.registry.release(entry!);
    expect((await notice).kind).toBe("info");
    expect(await closed).toBe("io server disconnect");
  });

  it("renews this instance's lease and lists it", async () => {
    const instances = await service.registry.instances();
    expect(instances).toEqual([
      expect.objectContaining({ instanceId: server.config.instanceId, alive: true }),
    ]);
  });
});
