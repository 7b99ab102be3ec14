import { io as connectManager } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionCookieFor, tokenFor, connectOk } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";

describe("what a connection keeps of its HTTP request", () => {
  let server: TestInstance;
  beforeAll(async () => {
    server = await startInstance({ seedDemoUsers: true });
  });
  afterAll(() => server.close());

  it("still lets a later namespace read the session cookie, over the same WebSocket", async () => {
    const cookie = await sessionCookieFor("admin", "admin");
    const main = connectManager(server.url, {
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      extraHeaders: { cookie },
    });
    await new Promise<void>((resolve, reject) =>
      main.once("connect", () => resolve()).once("connect_error", reject),
    );
    // Joined well after the upgrade, when the connection holds only the slim copy of the request.
    await new Promise((r) => setTimeout(r, 100));
    const admin = main.io.socket("/admin");
    admin.connect();
    await new Promise<void>((resolve, reject) =>
      admin.once("connect", () => resolve()).once("connect_error", reject),
    );
    expect(admin.connected).toBe(true);
    main.close();
  });

  it("forgets the API token once the handshake has checked it", async () => {
    const socket = await connectOk(server.url, { token: await tokenFor("alice") });
    const [serverSocket] = await server.app.io.fetchSockets();
    expect(serverSocket?.handshake.auth).not.toHaveProperty("token");
    expect(serverSocket?.handshake.headers.host).toBeDefined();
    socket.close();
  });
});
