import { describe, expect, it } from "vitest";
import { formatReport, LABELS, type Results } from "./report";
import type { FanoutResult } from "./scenarios";

function row(target: string, round: number, cpu: number, extra: Partial<FanoutResult> = {}): FanoutResult {
  return {
    scenario: "fanout1000",
    round,
    target,
    viewers: 1_000,
    rate: 10,
    expected: 100,
    delivered: 100,
    lost: 0,
    outOfOrder: 0,
    publishFailed: 0,
    deliveriesPerSec: 10,
    framesPerOp: 1,
    p50: 1,
    p95: 2,
    p99: 3,
    max: 4,
    serverCpuUsPerDelivery: cpu,
    redisCpuUsPerDelivery: 0,
    loadGenCpuShare: 0.1,
    publisherMaxLagMs: 0,
    ...extra,
  };
}

const empty: Results = {
  quick: false,
  rounds: 3,
  fanout: [],
  throughput: [],
  idle: [],
  errors: [],
  skipped: [],
};
const targetLine = (text: string, name: string) =>
  text.split("\n").find((l) => l.startsWith(`| ${name} | `)) ?? "";

describe("formatReport", () => {
  it("pairs each round's figures, and calls a spread across the goal inconclusive", () => {
    // Per round: 0.9, 1.2, 0.95 (not 0.9 against the other rounds' plain figures).
    const fanout = [
      row(LABELS.sio, 0, 10),
      row(LABELS.pb, 0, 9),
      row(LABELS.sio, 1, 5),
      row(LABELS.pb, 1, 6),
      row(LABELS.sio, 2, 20),
      row(LABELS.pb, 2, 19),
    ];
    const { text, failures } = formatReport({ ...empty, fanout }, { command: "", seconds: 1 });
    const line = targetLine(text, "Server CPU per delivered op, 1,000 viewers at 10 ops/s");
    expect(line).toContain("| 0.95x | 0.90-1.20x (3 rounds) | inconclusive (spread too wide) |");
    expect(failures).toEqual([]);
  });

  it("says met or missed when every round agrees, and fails on a lost or reordered delivery", () => {
    const fanout = [
      row(LABELS.sio, 0, 10),
      row(LABELS.pb, 0, 8, { lost: 3 }),
      row(LABELS.sio, 1, 10),
      row(LABELS.pb, 1, 9, { outOfOrder: 1 }),
    ];
    const { text, failures } = formatReport({ ...empty, rounds: 2, fanout }, { command: "", seconds: 1 });
    expect(targetLine(text, "Server CPU per delivered op, 1,000 viewers at 10 ops/s")).toMatch(/\| met \|$/);
    expect(failures).toHaveLength(2);
    expect(targetLine(text, "Max sustained delivered ops/s, one instance, p99 ≤ 250 ms")).toMatch(
      /not measured \|$/,
    );
  });
});
