import { describe, expect, it } from "vitest";
import { changedLayouts, placeAtBottom, readingOrder } from "./grid";

const at = (x: number, y: number, w = 2, h = 2) => ({ layout: { x, y, w, h } });

describe("grid helpers", () => {
  it("places a new widget below all others", () => {
    expect(placeAtBottom([], "note")).toEqual({ x: 0, y: 0, w: 4, h: 6 });
    expect(placeAtBottom([at(0, 0, 2, 3), at(4, 2, 2, 4)], "kpi")).toEqual({ x: 0, y: 6, w: 3, h: 4 });
  });

  it("orders widgets for a single column by row, then column", () => {
    const ws = [
      { id: "c", ...at(6, 2) },
      { id: "a", ...at(4, 0) },
      { id: "b", ...at(0, 2) },
    ];
    expect(readingOrder(ws).map((w) => w.id)).toEqual(["a", "b", "c"]);
  });

  it("lists the widgets a drag moved, clamped to the grid", () => {
    const widgets = { a: at(0, 0), b: at(0, 2), c: at(6, 0) };
    const shown = [
      { i: "a", x: 0, y: 2, w: 2, h: 2 },
      { i: "b", x: 0, y: 0, w: 2, h: 2 },
      { i: "c", x: 6, y: 0, w: 2, h: 2 },
      { i: "gone", x: 0, y: 9, w: 2, h: 2 },
    ];
    expect(changedLayouts(widgets, shown)).toEqual([
      { widgetId: "a", layout: { x: 0, y: 2, w: 2, h: 2 } },
      { widgetId: "b", layout: { x: 0, y: 0, w: 2, h: 2 } },
    ]);
    expect(changedLayouts({ a: at(0, 0) }, [{ i: "a", x: 11, y: 0, w: 4, h: 2 }])).toEqual([
      { widgetId: "a", layout: { x: 11, y: 0, w: 1, h: 2 } },
    ]);
  });
});
