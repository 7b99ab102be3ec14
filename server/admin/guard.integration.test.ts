import { SYSTEM_ACTOR, bySystem } from "../audit/audit-log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminClientEvents, type AdminEventName } from "@/lib/protocol/admin";
import { connectOk, tokenFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { eventually } from "../metrics/test-helpers";
import { connectAdminWatcher } from "./test-clients";

/** A valid payload for each event, so that a refusal can only come from the role check. */
const VALID: Record<Exclude<AdminEventName, "admin:history">, unknown> = {
  "admin:users": {},
  "admin:queue": {},
  "admin:disconnect-user": { user: "alice" },
  "admin:announce": { message: "should never be sent" },
  "admin:set-limit": { limit: 1 },
  "admin:retry-task": { taskId: "abc" },
  "admin:audit": {},
};

describe("the admin events refuse whoever is not an admin", () => {
  let server: TestInstance;
  beforeAll(async () => {
    server = await startInstance({ seedDemoUsers: true });
  });
  afterAll(async () => {
    await server.close();
  });

  it("lists every new event here, so none escapes this test", () => {
    expect(Object.keys(adminClientEvents).sort()).toEqual(["admin:history", ...Object.keys(VALID)].sort());
  });

  it("refuses a user at the handshake", async () => {
    expect(await connectAdminWatcher(server.url, { token: await tokenFor("alice") })).toEqual({
      ok: false,
      code: "FORBIDDEN",
    });
  });

  it("refuses every event from an admin demoted while connected, and closes the socket", async () => {
    // Credentials carry no role: the handshake and every event read it from the store.
    const aliceSocket: TestSocket = await connectOk(server.url, { token: await tokenFor("alice") });
    try {
      for (const [event, payload] of Object.entries(VALID)) {
        const name = `ex${event.replace(/\W/g, "").slice(0, 20)}`;
        await server.backends.users.create(
          { name, role: "admin", passwordHash: "-", createdAt: Date.now() },
          SYSTEM_ACTOR,
        );
        const outcome = await connectAdminWatcher(server.url, { token: await tokenFor(name) });
        if (!outcome.ok) throw new Error(`the handshake should admit an admin: ${outcome.code}`);
        const { socket } = outcome.watcher;
        const closed = new Promise<string>((resolve) => socket.once("disconnect", resolve));
        await server.backends.users.setRole(name, "user", bySystem("user.role"));
        // The store is read through a cache of at most AUTH_RECHECK_MS: this one is forgotten at once.
        server.app.context.authenticator.forget({ user: name });
        // Either the event is refused (and the socket closed), or the credential sweep closed it first.
        const res = await Promise.race([
          (socket as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }).emitWithAck(
            event,
            payload,
          ),
          closed.then(() => ({ ok: false, error: { code: "UNAUTHORIZED" } })),
        ]);
        expect(res, event).toMatchObject({ ok: false, error: { code: "UNAUTHORIZED" } });
        expect(await closed).toBe("io server disconnect");
      }
      // Nothing happened: alice is still connected, the limit is unchanged, no announcement went out.
      expect(aliceSocket.connected).toBe(true);
      const limits = await server.app.services.registry!.limits.settings();
      expect(limits).toMatchObject({ default: 5, defaultSource: "config" });
      const feed = await aliceSocket.emitWithAck("notify:list", {});
      expect(feed.ok && feed.items.filter((i) => i.kind === "announcement")).toEqual([]);
    } finally {
      aliceSocket.close();
    }
  });

  it("stops answering an admin who was demoted while connected", async () => {
    await server.backends.users.create(
      {
        name: "dana",
        role: "admin",
        passwordHash: "-",
        createdAt: Date.now(),
      },
      SYSTEM_ACTOR,
    );
    const outcome = await connectAdminWatcher(server.url, { token: await tokenFor("dana", "admin") });
    if (!outcome.ok) throw new Error(outcome.code);
    const { socket } = outcome.watcher;
    expect(await socket.emitWithAck("admin:queue", {})).toMatchObject({ ok: true });
    await server.backends.users.setRole("dana", "user", bySystem("user.role"));
    // Within about two AUTH_RECHECK_MS (2 s here) the store is read again and the socket closed, unasked; the
    // role change also revoked dana's token, so she cannot come back.
    const started = Date.now();
    await eventually(() => expect(socket.connected).toBe(false));
    console.log(`demoted admin's /admin socket closed after ${Date.now() - started} ms`);
    expect(await connectAdminWatcher(server.url, { token: await tokenFor("dana") })).toMatchObject({
      ok: false,
    });
  });
});
