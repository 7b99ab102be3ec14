import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "@/server/testing/board-client";
import { connectOk, makeClient, tokenFor, type TestSocket } from "@/server/testing/clients";
import { startInstance, type TestInstance } from "@/server/testing/instance";
import type { SessionInfo, SystemNotice } from "../protocol";
import { ConnectionKeeper, type NetworkEvents } from "./connection-keeper";
import type { ConnectionEvent } from "./connection-state";

/** The browser's `online`/`offline` events, raised by the test. */
class Network implements NetworkEvents {
  private readonly target = new EventTarget();
  addEventListener(type: "online" | "offline", listener: () => void) {
    this.target.addEventListener(type, listener);
  }
  removeEventListener(type: "online" | "offline", listener: () => void) {
    this.target.removeEventListener(type, listener);
  }
  go(type: "online" | "offline") {
    this.target.dispatchEvent(new Event(type));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("ConnectionKeeper against a real instance", () => {
  let server: TestInstance;
  const keepers: ConnectionKeeper[] = [];
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = await startInstance({ seedDemoUsers: true, env: { MAX_CONNECTIONS_PER_USER: "2" } });
  });
  afterEach(() => {
    keepers.splice(0).forEach((k) => k.stop());
    sockets.splice(0).forEach((s) => s.close());
  });
  afterAll(async () => {
    await server?.close();
  });

  function keep(socket: TestSocket, network?: Network) {
    const seen = {
      events: [] as ConnectionEvent[],
      info: null as SessionInfo | null,
      notices: [] as SystemNotice[],
      unauthorized: 0,
    };
    const keeper = new ConnectionKeeper({
      socket,
      network,
      backoff: () => 20,
      renewClientId: () => "renewed000000000000000000000000a",
      listener: {
        event: (e) => seen.events.push(e),
        info: (i) => (seen.info = i),
        notice: (n) => seen.notices.push(n),
        unauthorized: () => seen.unauthorized++,
      },
    });
    keepers.push(keeper);
    sockets.push(socket);
    keeper.start();
    return { keeper, seen };
  }
  const serverSocketOf = (socket: TestSocket) => server.app.io.of("/").sockets.get(socket.id!);
  const connects = (events: ConnectionEvent[]) => events.filter((e) => e.type === "connect").length;

  it("connects and reports who the session is", async () => {
    const socket = makeClient(server.url, { token: await tokenFor("alice") });
    const { seen } = keep(socket);
    await eventually(() => expect(seen.info).toMatchObject({ user: { name: "alice" } }));
    expect(seen.events[0]).toEqual({ type: "connect" });
  });

  it("reconnects after the server closed the socket on purpose (draining, an expired session)", async () => {
    const socket = makeClient(server.url, { token: await tokenFor("alice") });
    const { seen } = keep(socket);
    await eventually(() => expect(socket.connected).toBe(true));
    serverSocketOf(socket)!.disconnect(true);
    await eventually(() => expect(connects(seen.events)).toBe(2));
    expect(seen.events).toContainEqual({
      type: "disconnect",
      reason: "io server disconnect",
      willReconnect: true,
    });
  });

  it("stays away after an admin closed the session", async () => {
    const socket = makeClient(server.url, { token: await tokenFor("alice") });
    const { seen } = keep(socket);
    await eventually(() => expect(socket.connected).toBe(true));
    const serverSocket = serverSocketOf(socket)!;
    serverSocket.emit("system:notice", { kind: "disconnected-by-admin", message: "bye", at: Date.now() });
    await eventually(() => expect(seen.notices.map((n) => n.kind)).toEqual(["disconnected-by-admin"]));
    serverSocket.disconnect(true);
    await eventually(() =>
      expect(seen.events).toContainEqual({
        type: "disconnect",
        reason: "io server disconnect",
        willReconnect: false,
      }),
    );
    await pause(300);
    expect(socket.connected).toBe(false);
    expect(connects(seen.events)).toBe(1);
    expect(seen.info).toBeNull();
  });

  it("takes a new tab id when told it duplicated another tab", async () => {
    const socket = makeClient(server.url, {
      token: await tokenFor("alice"),
      auth: { clientId: "tab00000000000000000000000000001" },
    });
    keep(socket);
    await eventually(() => expect(socket.connected).toBe(true));
    serverSocketOf(socket)!.emit("system:notice", { kind: "replaced", message: "dup", at: Date.now() });
    await eventually(() =>
      expect(socket.auth).toMatchObject({ clientId: "renewed000000000000000000000000a" }),
    );
  });

  it("closes the socket when the device goes offline and opens it when it is back", async () => {
    const network = new Network();
    const socket = makeClient(server.url, { token: await tokenFor("alice") });
    const { seen } = keep(socket, network);
    await eventually(() => expect(socket.connected).toBe(true));
    network.go("offline");
    expect(socket.connected).toBe(false);
    expect(seen.events).toContainEqual({ type: "browser_offline" });
    network.go("online");
    await eventually(() => expect(connects(seen.events)).toBe(2));
    expect(seen.events).toContainEqual({ type: "browser_online" });
  });

  it("asks the user to sign in again when the session is refused, and does not retry", async () => {
    const socket = makeClient(server.url, { token: await tokenFor("alice", "user", 3600, "z".repeat(40)) });
    const { seen } = keep(socket);
    await eventually(() => expect(seen.unauthorized).toBe(1));
    await pause(300);
    expect(seen.events).toEqual([
      {
        type: "connect_error",
        code: "UNAUTHORIZED",
        data: expect.anything() as unknown,
        willReconnect: false,
      },
    ]);
  });

  it("does not retry at the connection limit, until the user asks", async () => {
    for (let i = 0; i < 2; i++) sockets.push(await connectOk(server.url, { token: await tokenFor("bob") }));
    const socket = makeClient(server.url, { token: await tokenFor("bob") });
    const { keeper, seen } = keep(socket);
    await eventually(() => expect(seen.events).toHaveLength(1));
    expect(seen.events[0]).toMatchObject({
      type: "connect_error",
      code: "CONNECTION_LIMIT",
      willReconnect: false,
    });
    await pause(300);
    expect(seen.events).toHaveLength(1);
    // The user closes another session, then asks to reconnect.
    sockets.shift()!.close();
    await eventually(async () => {
      keeper.reconnect();
      await pause(100);
      expect(socket.connected).toBe(true);
    });
  });
});
