import { describe, expect, it } from "vitest";
import { medianIndex, spread, verdict } from "./rounds";

describe("rounds", () => {
  it("takes the median and the spread, ignoring rounds without a figure", () => {
    expect(spread([3, 1, 2, NaN])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([4, 1, 2, 3])?.median).toBe(2.5);
    expect(spread([])).toBeUndefined();
  });

  it("points at the round holding the median", () => {
    expect(medianIndex([5, 1, 3])).toBe(2);
    expect(medianIndex([4, 1, 2, 3])).toBe(2);
  });

  it("calls a goal inconclusive when the spread straddles it", () => {
    expect(verdict({ median: 0.9, min: 0.8, max: 0.95, n: 3 }, { atMost: 1 })).toBe("met");
    expect(verdict({ median: 1.1, min: 1.05, max: 1.2, n: 3 }, { atMost: 1 })).toBe("missed");
    expect(verdict({ median: 0.9, min: 0.8, max: 1.1, n: 3 }, { atMost: 1 })).toBe(
      "inconclusive (spread too wide)",
    );
    expect(verdict({ median: 1.6, min: 1.4, max: 1.7, n: 3 }, { atLeast: 1.5 })).toBe(
      "inconclusive (spread too wide)",
    );
    expect(verdict({ median: 1.6, min: 1.55, max: 1.7, n: 3 }, { atLeast: 1.5 })).toBe("met");
  });
});
