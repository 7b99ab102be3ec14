import { describe, expect, it } from "vitest";
import type { ChartPoint } from "@/lib/boards/types";
import { pointsInRange, stepPoint } from "./range";

describe("pointsInRange", () => {
  const now = 10 * 86_400_000;
  const points: ChartPoint[] = [
    [now - 2 * 86_400_000, 1],
    [now - 2 * 3_600_000, 2],
    [now - 30 * 60_000, 3],
    [now - 60_000, 4],
    [now, 5],
  ];

  it("keeps the points of the chosen span before now", () => {
    expect(pointsInRange(points, "5m", now).map((p) => p[1])).toEqual([4, 5]);
    expect(pointsInRange(points, "1h", now).map((p) => p[1])).toEqual([3, 4, 5]);
    expect(pointsInRange(points, "24h", now).map((p) => p[1])).toEqual([2, 3, 4, 5]);
    expect(pointsInRange(points, "all", now)).toHaveLength(5);
  });

  it("keeps a point exactly at the start of the span, and none when all are older", () => {
    expect(pointsInRange(points, "5m", now + 4 * 60_000).map((p) => p[1])).toEqual([4, 5]);
    expect(pointsInRange(points, "5m", now + 86_400_000)).toEqual([]);
    expect(pointsInRange([], "1h", now)).toEqual([]);
  });
});

describe("stepPoint", () => {
  it("starts at the newest point and moves with the arrows, within the points", () => {
    expect(stepPoint("ArrowLeft", null, 5)).toBe(4);
    expect(stepPoint("ArrowLeft", 4, 5)).toBe(3);
    expect(stepPoint("ArrowLeft", 0, 5)).toBe(0);
    expect(stepPoint("ArrowRight", 4, 5)).toBe(4);
    expect(stepPoint("Home", 3, 5)).toBe(0);
    expect(stepPoint("End", 0, 5)).toBe(4);
    expect(stepPoint("PageUp", 3, 50)).toBe(0);
    expect(stepPoint("PageDown", 3, 50)).toBe(13);
  });

  it("ignores other keys, and an empty chart", () => {
    expect(stepPoint("a", 1, 5)).toBeUndefined();
    expect(stepPoint("ArrowLeft", null, 0)).toBeUndefined();
  });

  it("stays inside when the points shrank under the chosen one", () => {
    expect(stepPoint("ArrowRight", 9, 5)).toBe(4);
  });
});
