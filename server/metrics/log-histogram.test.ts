import { describe, expect, it } from "vitest";
import { BUCKETS, LogHistogram, bucketOf, bucketValue } from "./log-histogram";

describe("LogHistogram", () => {
  it("reports any value within 2.5 % (below 0.05 ms as 0.05 ms)", () => {
    for (const v of [0.06, 0.5, 1, 3.3, 17, 250, 999, 12_345, 119_000]) {
      expect(Math.abs(bucketValue(bucketOf(v)) - v) / v).toBeLessThanOrEqual(0.026);
    }
    expect(bucketValue(bucketOf(0))).toBe(0.05);
    expect(bucketOf(Number.NaN)).toBe(0);
    expect(bucketOf(1e9)).toBe(BUCKETS - 1);
  });

  it("computes quantiles by rank", () => {
    const h = new LogHistogram();
    expect(h.quantile(0.5)).toBeNull();
    for (let i = 1; i <= 100; i++) h.record(i);
    expect(h.count).toBe(100);
    expect(h.quantile(0.5)).toBeCloseTo(50, -0.5);
    expect(Math.abs(h.quantile(0.95)! - 95) / 95).toBeLessThan(0.03);
    expect(Math.abs(h.quantile(0.99)! - 99) / 99).toBeLessThan(0.03);
    expect(Math.abs(h.quantile(1)! - 100) / 100).toBeLessThan(0.03);
  });

  it("merges exactly, directly or through the sparse form instances exchange", () => {
    const a = new LogHistogram();
    const b = new LogHistogram();
    for (let i = 0; i < 90; i++) a.record(2);
    for (let i = 0; i < 10; i++) b.record(400);
    const direct = new LogHistogram();
    direct.merge(a);
    direct.merge(b);
    const viaSparse = new LogHistogram();
    viaSparse.addSparse(a.toSparse());
    viaSparse.addSparse(b.toSparse());
    expect(viaSparse.toSparse()).toEqual(direct.toSparse());
    expect(direct.count).toBe(100);
    // Averaging per-instance p95s would give about 200 ms; merged samples give the truth.
    expect(direct.quantile(0.95)).toBeGreaterThan(380);
    expect(direct.quantile(0.5)).toBeLessThan(2.1);
    direct.reset();
    expect(direct.count).toBe(0);
    expect(direct.toSparse()).toEqual([]);
  });
});
