import { describe, expect, it } from "vitest";
import { firstFreePlace } from "./placement";

const at = (x: number, y: number, w: number, h: number) => ({ x, y, w, h });

describe("firstFreePlace", () => {
  it("puts the first widget at the top left", () => {
    expect(firstFreePlace([], { w: 4, h: 6 })).toEqual(at(0, 0, 4, 6));
  });

  it("uses the free width to the right of the first row before going below", () => {
    expect(firstFreePlace([at(0, 0, 4, 6)], { w: 4, h: 6 })).toEqual(at(4, 0, 4, 6));
    expect(firstFreePlace([at(0, 0, 4, 6), at(4, 0, 4, 6)], { w: 4, h: 6 })).toEqual(at(8, 0, 4, 6));
  });

  it("goes below when no row above has room for the whole width of the widget", () => {
    const full = [at(0, 0, 4, 6), at(4, 0, 4, 6), at(8, 0, 4, 6)];
    expect(firstFreePlace(full, { w: 4, h: 4 })).toEqual(at(0, 6, 4, 4));
    // 3 free columns on the right are too narrow for 4.
    expect(firstFreePlace([at(0, 0, 9, 3)], { w: 4, h: 2 })).toEqual(at(0, 3, 4, 2));
  });

  it("fills a gap between widgets, and under a short one beside a tall one", () => {
    expect(firstFreePlace([at(0, 0, 3, 4), at(7, 0, 5, 4)], { w: 4, h: 4 })).toEqual(at(3, 0, 4, 4));
    // A tall widget on the left, a short one on the right: the space under the short one is first.
    expect(firstFreePlace([at(0, 0, 6, 10), at(6, 0, 6, 2)], { w: 6, h: 3 })).toEqual(at(6, 2, 6, 3));
  });

  it("does not overlap a widget that starts inside the candidate place", () => {
    expect(firstFreePlace([at(0, 0, 12, 2), at(2, 4, 2, 2)], { w: 4, h: 4 })).toEqual(at(4, 2, 4, 4));
  });

  it("keeps a widget wider than the grid inside it", () => {
    expect(firstFreePlace([], { w: 20, h: 3 }, 12)).toEqual(at(0, 0, 12, 3));
    expect(firstFreePlace([at(0, 0, 1, 1)], { w: 20, h: 3 }, 12)).toEqual(at(0, 1, 12, 3));
  });

  it("works on a narrower grid", () => {
    expect(firstFreePlace([at(0, 0, 2, 2)], { w: 2, h: 2 }, 4)).toEqual(at(2, 0, 2, 2));
  });
});
