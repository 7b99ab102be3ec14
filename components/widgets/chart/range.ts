import type { ChartPoint } from "@/lib/boards/types";

/** The spans a chart can show: the last 5 minutes, hour or day before now, or every point it keeps. */
export const CHART_RANGES = [
  { id: "5m", label: "5 min", long: "the last 5 minutes", ms: 5 * 60_000 },
  { id: "1h", label: "1 h", long: "the last hour", ms: 3_600_000 },
  { id: "24h", label: "24 h", long: "the last 24 hours", ms: 86_400_000 },
  { id: "all", label: "All", long: "all points", ms: null },
] as const;

export type ChartRange = (typeof CHART_RANGES)[number]["id"];

/** The points within `range` of `now`; points are sorted by time, so the cut is one binary search. */
export function pointsInRange(points: readonly ChartPoint[], range: ChartRange, now: number): ChartPoint[] {
  const span = CHART_RANGES.find((r) => r.id === range)?.ms ?? null;
  if (span === null) return points as ChartPoint[];
  const from = now - span;
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]![0] < from) lo = mid + 1;
    else hi = mid;
  }
  return points.slice(lo);
}

/** The index of the point a key moves to from `index` (null: none chosen yet), or undefined for other keys. */
export function stepPoint(key: string, index: number | null, count: number): number | undefined {
  if (count === 0) return undefined;
  const last = count - 1;
  const at = index === null ? last : Math.min(index, last);
  switch (key) {
    case "ArrowLeft":
      return Math.max(0, index === null ? last : at - 1);
    case "ArrowRight":
      return Math.min(last, index === null ? last : at + 1);
    case "PageUp":
      return Math.max(0, at - 10);
    case "PageDown":
      return Math.min(last, at + 10);
    case "Home":
      return 0;
    case "End":
      return last;
    default:
      return undefined;
  }
}
