import { describe, expect, it } from "vitest";
import type { ClusterPoint } from "../protocol/admin";
import { appendPoint, mergeHistory } from "./admin-socket";

const pt = (t: number) => ({ t }) as ClusterPoint;
const ts = (points: ClusterPoint[]) => points.map((p) => p.t);

describe("the admin panel's series", () => {
  it("appends in time order, bounded, ignoring points it already has", () => {
    let s: ClusterPoint[] = [];
    for (const t of [1, 2, 3, 3, 2, 4, 5]) s = appendPoint(s, pt(t), 3);
    expect(ts(s)).toEqual([3, 4, 5]);
  });

  it("keeps live points that arrived while the history was being fetched", () => {
    expect(ts(mergeHistory([pt(1), pt(2), pt(3)], [pt(3), pt(4)], 10))).toEqual([1, 2, 3, 4]);
    expect(ts(mergeHistory([pt(1), pt(2), pt(3)], [pt(4), pt(5)], 3))).toEqual([3, 4, 5]);
    expect(ts(mergeHistory([], [pt(7)], 3))).toEqual([7]);
  });
});
