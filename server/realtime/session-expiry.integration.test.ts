import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../metrics/test-helpers";
import { connectOk, tokenFor, waitFor } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { MAX_TIMER_MS, scheduleExpiry } from "./session-expiry";
import type { AppSocket } from "./types";

const DAY_MS = 86_400_000;

describe("credential expiry beyond setTimeout's limit", () => {
  let server: TestInstance;
  beforeAll(async () => {
    server = await startInstance();
  });
  afterAll(async () => {
    await server.close();
  });

  const serverSocketOf = (user: string) =>
    [...server.app.io.of("/").sockets.values()].find((s) => s.data.user.name === user) as AppSocket;

  it("keeps a 40-day token's socket open, then closes it on time when the clock gets there", async () => {
    // A real 40-day token: the lifetime is past the 24.8-day timer limit.
    const socket = await connectOk(server.url, { token: await tokenFor("longlived", "user", 40 * 86_400) });
    const serverSide = serverSocketOf("longlived");
    const expiresAt = serverSide.data.user.expiresAt;
    expect(expiresAt - Date.now()).toBeGreaterThan(MAX_TIMER_MS);
    // A clock we move, and timers of 50 ms instead of 24.8 days: the same re-arming, in a test's time.
    let now = expiresAt - 40 * DAY_MS;
    scheduleExpiry(serverSide, { now: () => now, maxTimerMs: 50 });
    await new Promise((r) => setTimeout(r, 400));
    expect(socket.connected).toBe(true);
    now = expiresAt - 25 * DAY_MS;
    await new Promise((r) => setTimeout(r, 200));
    expect(socket.connected).toBe(true);
    const notice = waitFor<{ kind: string }>(socket, "system:notice", 5_000);
    now = expiresAt + 1;
    expect((await notice).kind).toBe("session-expired");
    await eventually(() => expect(socket.connected).toBe(false));
  });
});
