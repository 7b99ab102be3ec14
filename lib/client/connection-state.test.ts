import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  initialConnectionState,
  reduceConnection,
  type ConnectionEvent,
} from "./connection-state";

function run(events: ConnectionEvent[]) {
  return events.reduce(reduceConnection, initialConnectionState);
}

describe("connection state", () => {
  it("goes connecting → connected → reconnecting → connected", () => {
    expect(run([{ type: "connect" }]).status).toBe("connected");
    const dropped = run([
      { type: "connect" },
      { type: "disconnect", reason: "transport close", willReconnect: true },
    ]);
    expect(dropped.status).toBe("reconnecting");
    expect(reduceConnection(dropped, { type: "connect" })).toEqual({ status: "connected", attempt: 0 });
  });

  it("shows offline when the library gives up and when the device goes offline", () => {
    expect(
      run([{ type: "connect" }, { type: "disconnect", reason: "io client disconnect", willReconnect: false }])
        .status,
    ).toBe("offline");
    expect(run([{ type: "browser_offline" }]).status).toBe("offline");
    expect(run([{ type: "connect" }, { type: "browser_offline" }]).status).toBe("reconnecting");
    expect(run([{ type: "browser_offline" }, { type: "browser_online" }]).status).toBe("reconnecting");
  });

  it("maps refusals that need the user to act onto their own states, keeping the details", () => {
    const limited = run([
      {
        type: "connect_error",
        code: "CONNECTION_LIMIT",
        data: { code: "CONNECTION_LIMIT", message: "5 of 5", limit: 5, active: 5 },
        willReconnect: false,
      },
    ]);
    expect(limited).toMatchObject({ status: "limited", error: { limit: 5, active: 5 } });
    expect(run([{ type: "connect_error", code: "UNAUTHORIZED", willReconnect: false }]).status).toBe(
      "unauthorized",
    );
    expect(run([{ type: "connect_error", code: "UNSUPPORTED_PROTOCOL", willReconnect: false }]).status).toBe(
      "unsupported",
    );
  });

  it("keeps retrying through transient refusals such as DRAINING", () => {
    const s = run([
      { type: "connect" },
      { type: "disconnect", reason: "io server disconnect", willReconnect: true },
      { type: "connect_error", code: "DRAINING", willReconnect: true },
    ]);
    expect(s).toMatchObject({ status: "reconnecting", attempt: 1 });
  });
});

describe("backoffDelay", () => {
  it("grows with attempts, stays under the cap, and is jittered", () => {
    expect(backoffDelay(0, 500, 10_000, () => 0)).toBe(250);
    expect(backoffDelay(0, 500, 10_000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 10_000, () => 1)).toBe(4_000);
    expect(backoffDelay(20, 500, 10_000, () => 1)).toBe(10_000);
    const samples = new Set(Array.from({ length: 20 }, () => backoffDelay(5)));
    expect(samples.size).toBeGreaterThan(10);
  });
});
