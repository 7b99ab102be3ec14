import { describe, expect, it } from "vitest";
import { ClusterView } from "./cluster-view";
import { LogHistogram } from "./log-histogram";
import { ZERO_RATES, type InstanceSnapshot } from "./snapshot";
import { hashUser, sketchOf } from "./user-sketch";

function snap(id: string, at: number, over: Partial<InstanceSnapshot> = {}): InstanceSnapshot {
  const users = over.users ?? 0;
  return {
    v: 1,
    id,
    mode: "redis",
    state: "live",
    startedAt: 0,
    seq: at,
    at,
    tick: true,
    connections: { websocket: 0, polling: 0 },
    users,
    userSketch: sketchOf([], 0),
    rates: ZERO_RATES,
    rejections: {},
    loop: { p50: 0, p99: 1, max: 2 },
    rssBytes: 1,
    heapUsedBytes: 1,
    cpuPercent: 1,
    delivery: [],
    rtt: [],
    ...over,
  };
}

const sketch = (...names: string[]) => sketchOf(names.map(hashUser), names.length);

function hist(...values: number[]) {
  const h = new LogHistogram();
  for (const v of values) h.record(v);
  return h.toSparse();
}

describe("ClusterView", () => {
  it("sums live instances, counts shared users once, and keeps one row per instance", () => {
    const view = new ClusterView();
    view.ingest(
      snap("a", 1_000, {
        connections: { websocket: 2, polling: 1 },
        users: 2,
        userSketch: sketch("alice", "bob"),
        rates: { ...ZERO_RATES, eventsIn: 10, errorsPolling: 1 },
      }),
      1_000,
    );
    view.ingest(
      snap("b", 1_000, {
        connections: { websocket: 2, polling: 0 },
        users: 2,
        userSketch: sketch("bob", "carol"),
        rates: { ...ZERO_RATES, eventsIn: 5 },
      }),
      1_000,
    );
    const { current, instances, usersExact } = view.view(1_100);
    expect(current).toMatchObject({ instances: 2, connections: 5, websocket: 4, polling: 1, users: 3 });
    expect(current).toMatchObject({ eventsIn: 15, errorsPolling: 1 });
    expect(usersExact).toBe(true);
    expect(instances.map((r) => [r.id, r.connections.total, r.state])).toEqual([
      ["a", 3, "live"],
      ["b", 2, "live"],
    ]);
  });

  it("marks a silent instance gone (not dropped), excludes it from totals, and drops it after retention", () => {
    const view = new ClusterView({ goneAfterMs: 3_000, retainMs: 60_000 });
    view.ingest(snap("a", 0, { connections: { websocket: 3, polling: 0 } }), 0);
    view.ingest(snap("b", 0, { connections: { websocket: 2, polling: 0 } }), 0);
    view.ingest(snap("a", 4_000, { connections: { websocket: 3, polling: 0 } }), 4_000);
    const later = view.view(4_000);
    expect(later.instances.find((r) => r.id === "b")).toMatchObject({ state: "gone", lastHeartbeat: 0 });
    expect(later.current.connections).toBe(3);
    view.ingest(snap("a", 61_000), 61_000);
    view.tick(61_000);
    expect(view.instances(61_000).map((r) => r.id)).toEqual(["a"]);
  });

  it("shows a clean shutdown as stopped, and a restart replaces the row", () => {
    const view = new ClusterView();
    view.ingest(snap("a", 0, { connections: { websocket: 1, polling: 0 } }), 0);
    view.ingest(snap("a", 500, { state: "stopped" }), 500);
    expect(view.view(600).instances[0]).toMatchObject({ state: "stopped" });
    expect(view.view(600).current.instances).toBe(0);
    view.ingest(snap("a", 100, { startedAt: 50 }), 700);
    expect(view.view(700).instances[0]).toMatchObject({ state: "live", startedAt: 50 });
  });

  it("tells which snapshots change what an admin sees beyond the heartbeat", () => {
    const view = new ClusterView({ goneAfterMs: 3_000 });
    expect(view.ingest(snap("a", 0), 0)).toBe(true);
    expect(view.ingest(snap("a", 1_000, { rates: { ...ZERO_RATES, eventsIn: 9 } }), 1_000)).toBe(false);
    expect(view.ingest(snap("a", 2_000, { connections: { websocket: 1, polling: 0 } }), 2_000)).toBe(true);
    expect(view.ingest(snap("a", 3_000, { connections: { websocket: 1, polling: 0 } }), 3_000)).toBe(false);
    expect(
      view.ingest(snap("a", 4_000, { state: "draining", connections: { websocket: 1, polling: 0 } }), 4_000),
    ).toBe(true);
    // Back after a silence long enough to have been marked gone.
    expect(
      view.ingest(snap("a", 9_000, { state: "draining", connections: { websocket: 1, polling: 0 } }), 9_000),
    ).toBe(true);
  });

  it("ignores a late, older snapshot of the same run, and a duplicate", () => {
    const view = new ClusterView();
    view.ingest(snap("a", 2_000, { connections: { websocket: 4, polling: 0 } }), 2_000);
    view.ingest(snap("a", 1_000, { connections: { websocket: 1, polling: 0 } }), 2_001);
    expect(view.view(2_002).current.connections).toBe(4);
    const withSamples = snap("a", 3_000, { delivery: hist(1, 2, 3) });
    expect(view.ingest(withSamples, 3_000)).toBe(true);
    expect(view.ingest(withSamples, 3_001)).toBe(false);
    expect(view.tick(3_500).deliveryCount).toBe(3);
  });

  it("computes latency percentiles over merged samples of a sliding window", () => {
    const view = new ClusterView({ windowSeconds: 3 });
    view.ingest(snap("a", 0, { delivery: hist(...new Array<number>(90).fill(5)) }), 0);
    view.ingest(snap("b", 0, { delivery: hist(...new Array<number>(10).fill(500)), rtt: hist(2, 4) }), 0);
    const p = view.tick(1_000);
    expect(p.deliveryCount).toBe(100);
    expect(p.deliveryP50).toBeCloseTo(5, 0);
    expect(p.deliveryP99).toBeGreaterThan(480);
    expect(p.rttP50).toBeCloseTo(2, 0);
    // Early snapshots (tick: false) carry no samples and must not be counted twice.
    view.ingest(snap("a", 1_100, { tick: false, delivery: hist(1) }), 1_100);
    expect(view.tick(2_000).deliveryCount).toBe(100);
    view.tick(3_000);
    expect(view.tick(4_000).deliveryP50).toBeNull();
  });

  it("keeps a bounded history", () => {
    const view = new ClusterView({ historySeconds: 5 });
    for (let t = 1; t <= 20; t++) view.tick(t * 1_000);
    expect(view.points().map((p) => p.t)).toEqual([16_000, 17_000, 18_000, 19_000, 20_000]);
  });

  it("rebuilds history from stored snapshots, one point per second", () => {
    const view = new ClusterView();
    const stored: InstanceSnapshot[] = [];
    for (let s = 0; s < 30; s++) {
      stored.push(snap("a", s * 1_000 + 100, { connections: { websocket: s, polling: 0 } }));
      stored.push(snap("b", s * 1_000 + 600, { connections: { websocket: 1, polling: 0 } }));
    }
    view.replay(stored.reverse(), 100_000);
    const points = view.points();
    expect(points).toHaveLength(29);
    expect(points[0]).toMatchObject({ t: 1_000, connections: 1 });
    expect(points[28]).toMatchObject({ t: 29_000, connections: 29 });
    // Snapshots from a clock ahead of ours add no points after our now.
    const skewed = new ClusterView();
    skewed.replay(stored, 10_500);
    expect(
      skewed
        .points()
        .map((p) => p.t)
        .at(-1),
    ).toBe(10_000);
  });
});
