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

  it("refuses every event from a credential that says admin when the user store no longer does, and closes it", async () => {
    // alice holds an admin credential from before she was demoted (the store says "user").
    const stale = await tokenFor("alice", "admin");
    const aliceSocket: TestSocket = await connectOk(server.url, { token: await tokenFor("alice") });
    try {
      for (const [event, payload] of Object.entries(VALID)) {
        const outcome = await connectAdminWatcher(server.url, { token: stale });
        if (!outcome.ok) throw new Error(`the handshake should admit the signed role: ${outcome.code}`);
        const { socket } = outcome.watcher;
        const closed = new Promise<string>((resolve) => socket.once("disconnect", resolve));
        const res = await (
          socket as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }
        ).emitWithAck(event, payload);
        expect(res, event).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
        expect(await closed).toBe("io server disconnect");
      }
      // Nothing happened: alice is still connected, the limit is unchanged, no announcement went out.
      expect(aliceSocket.connected).toBe(true);
      const limits = await server.app.context.services.registry!.limits.settings();
      expect(limits).toMatchObject({ default: 5, defaultSource: "config" });
      const feed = await aliceSocket.emitWithAck("notify:list", {});
      expect(feed.ok && feed.items.filter((i) => i.kind === "announcement")).toEqual([]);
    } finally {
      aliceSocket.close();
    }
  });

  it("stops answering an admin who was demoted while connected", async () => {
    await server.backends.users.create({
      name: "dana",
      role: "admin",
      passwordHash: "-",
      createdAt: Date.now(),
    });
    const outcome = await connectAdminWatcher(server.url, { token: await tokenFor("dana", "admin") });
    if (!outcome.ok) throw new Error(outcome.code);
    const { socket } = outcome.watcher;
    expect(await socket.emitWithAck("admin:queue", {})).toMatchObject({ ok: true });
    await server.backends.users.setRole("dana", "user");
    expect(await socket.emitWithAck("admin:queue", {})).toMatchObject({
      ok: false,
      error: { code: "FORBIDDEN", message: "you are no longer an admin" },
    });
    await eventually(() => expect(socket.connected).toBe(false));
  });
});
