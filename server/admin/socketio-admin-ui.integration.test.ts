import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInstance, type TestInstance } from "../testing/instance";
import { ADMIN_UI_NAMESPACE } from "./socketio-admin-ui";

type Outcome = { ok: true; socket: Socket; session?: string; config: unknown } | { ok: false; code: string };

/** Connects the way the Admin UI does, and waits for its `config` event (and `session`, when issued). */
function connectAdminUi(url: string, auth: Record<string, unknown>): Promise<Outcome> {
  const socket = io(`${url}${ADMIN_UI_NAMESPACE}`, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    auth,
  });
  let session: string | undefined;
  socket.on("session", (id: string) => (session = id));
  return new Promise((resolve) => {
    socket.once("config", (config: unknown) => {
      // "session" is emitted before "config" on the same connection.
      resolve({ ok: true, socket, session, config });
    });
    socket.once("connect_error", (err) => {
      socket.close();
      resolve({ ok: false, code: err.message });
    });
  });
}

describe("@socket.io/admin-ui, when enabled", () => {
  let server: TestInstance;
  beforeAll(async () => {
    server = await startInstance({ seedDemoUsers: true, env: { SOCKETIO_ADMIN_UI: "true" } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("admits an admin by password, then by the session it issued, read-only", async () => {
    const first = await connectAdminUi(server.url, { username: "admin", password: "pulseboard" });
    if (!first.ok) throw new Error(first.code);
    expect(first.session).toMatch(/^[a-f0-9]{32}$/);
    expect(first.config).toEqual({ supportedFeatures: ["AGGREGATED_EVENTS"] });
    first.socket.close();
    const again = await connectAdminUi(server.url, { sessionId: first.session });
    expect(again.ok).toBe(true);
    if (again.ok) again.socket.close();
  });

  it("refuses a wrong password, an unknown session, and a non-admin", async () => {
    expect(await connectAdminUi(server.url, { username: "admin", password: "nope" })).toEqual({
      ok: false,
      code: "UNAUTHORIZED",
    });
    expect(await connectAdminUi(server.url, { sessionId: "0".repeat(32) })).toEqual({
      ok: false,
      code: "UNAUTHORIZED",
    });
    expect(await connectAdminUi(server.url, {})).toEqual({ ok: false, code: "UNAUTHORIZED" });
    expect(await connectAdminUi(server.url, { username: "alice", password: "pulseboard" })).toEqual({
      ok: false,
      code: "FORBIDDEN",
    });
  });
});

describe("@socket.io/admin-ui, by default", () => {
  it("is not there", async () => {
    const server = await startInstance({ seedDemoUsers: true });
    try {
      const outcome = await connectAdminUi(server.url, { username: "admin", password: "pulseboard" });
      expect(outcome).toEqual({ ok: false, code: "Invalid namespace" });
    } finally {
      await server.close();
    }
  });
});
