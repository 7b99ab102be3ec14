import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../metrics/test-helpers";
import { connectOk, tokenFor, waitFor } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { ExpiryScheduler, MAX_TIMER_MS, scheduleExpiry } from "./session-expiry";
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

  const otherSockets = () =>
    [...server.app.io.of("/").sockets.values()].filter((s) => s.data.user.name !== "shared").length;
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

  it("closes every socket of a credential at its expiry with one shared timer, and forgets those gone before", async () => {
    const token = await tokenFor("shared", "user", 3_600);
    const [one, two, gone] = await Promise.all([1, 2, 3].map(() => connectOk(server.url, { token })));
    const serverSides = [...server.app.io.of("/").sockets.values()].filter(
      (s) => s.data.user.name === "shared",
    );
    expect(serverSides).toHaveLength(3);
    const expiresAt = serverSides[0]!.data.user.expiresAt;
    let now = expiresAt - 20 * DAY_MS;
    const scheduler = new ExpiryScheduler({ now: () => now, maxTimerMs: 50 });
    for (const s of serverSides) scheduler.add(s as AppSocket);
    gone!.close();
    await eventually(() =>
      expect(server.app.io.of("/").sockets.size).toBe(serverSides.length - 1 + otherSockets()),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(one!.connected && two!.connected).toBe(true);
    const notices = [one!, two!].map((s) => waitFor<{ kind: string }>(s, "system:notice", 5_000));
    now = expiresAt;
    for (const n of notices) expect((await n).kind).toBe("session-expired");
    await eventually(() => expect(one!.connected || two!.connected).toBe(false));
    scheduler.stop();
  });
});
