import { describe, expect, it } from "vitest";
import { ClockOffsetEstimator } from "./clock-offset";

describe("ClockOffsetEstimator", () => {
  it("takes the offset from the ping with the smallest round trip", () => {
    const est = new ClockOffsetEstimator();
    const serverAhead = 5_000;
    // One-way delays of 2 ms each way, except a ping whose reply sat 80 ms in a queue.
    est.add(1_000, 1_000 + 2 + serverAhead, 84); // offset estimate off by 40 ms
    est.add(2_000, 2_000 + 2 + serverAhead, 4); // exact
    est.add(3_000, 3_000 + 30 + serverAhead, 32); // asymmetric but slower
    const best = est.best(3_100)!;
    expect(best.rttMs).toBe(4);
    expect(best.offsetMs).toBe(serverAhead);
  });

  it("forgets old samples and resets on reconnect", () => {
    const est = new ClockOffsetEstimator({ maxSamples: 2, maxAgeMs: 1_000 });
    est.add(0, 10, 1, 1);
    est.add(100, 110, 50, 150);
    est.add(200, 210, 60, 260);
    // The 1 ms sample fell out of the two kept.
    expect(est.best(300)!.rttMs).toBe(50);
    expect(est.best(5_000)).toBeUndefined();
    est.add(6_000, 6_010, 2);
    est.reset();
    expect(est.best(6_010)).toBeUndefined();
  });

  it("bounds the error with the clocks' millisecond tick as well as half the round trip", () => {
    // Same clock on both sides (true offset 0): the client reads 99.99 ms (Date.now() gives 99), the server
    // 100.01 ms (gives 100), and the round trip takes 0.04 ms on the monotonic clock.
    const est = new ClockOffsetEstimator();
    const sample = est.add(99, 100, 0.04);
    expect(sample.offsetMs).toBeCloseTo(0.98);
    expect(Math.abs(sample.offsetMs - 0)).toBeLessThanOrEqual(sample.errorMs);
    expect(est.best(100)?.errorMs).toBeCloseTo(1.02);
    // And the other way: the client reads 99.999 (99), the server 99.9995 (99) after a 0.001 ms round trip.
    const other = new ClockOffsetEstimator().add(99, 99, 0.001);
    expect(Math.abs(other.offsetMs)).toBeLessThanOrEqual(other.errorMs);
  });
});
