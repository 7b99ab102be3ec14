import { describe, expect, it } from "vitest";
import { formatChange, kpiChange } from "./kpi";

describe("KPI change", () => {
  it("computes the absolute and relative change from the previous value", () => {
    expect(kpiChange(250, 200)).toEqual({ direction: "up", delta: 50, percent: 25 });
    expect(kpiChange(-30, -20)).toEqual({ direction: "down", delta: -10, percent: -50 });
    expect(kpiChange(5, 0)).toEqual({ direction: "up", delta: 5, percent: null });
    expect(kpiChange(5, null)).toBeNull();
    expect(kpiChange(null, 5)).toBeNull();
  });

  it("formats it with signs", () => {
    expect(formatChange(kpiChange(250, 200)!, "en-US")).toBe("+50 (+25%)");
    expect(formatChange(kpiChange(1.5, 3)!, "en-US")).toBe("−1.5 (−50%)");
    expect(formatChange(kpiChange(5, 0)!, "en-US")).toBe("+5");
    expect(formatChange(kpiChange(7, 7)!, "en-US")).toBe("±0");
  });
});
