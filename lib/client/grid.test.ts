import { describe, expect, it } from "vitest";
import { changedLayouts, keyboardLayout, placeNew, readingOrder, type KeyboardLayoutItem } from "./grid";

const at = (x: number, y: number, w = 2, h = 2) => ({ layout: { x, y, w, h } });

describe("grid helpers", () => {
  it("places a new widget in the first free place of the grid, at its type's size", () => {
    expect(placeNew([], "note")).toEqual({ x: 0, y: 0, w: 4, h: 6 });
    expect(placeNew([at(0, 0, 2, 3), at(4, 2, 2, 4)], "kpi")).toEqual({ x: 6, y: 0, w: 3, h: 4 });
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

  describe("keyboard steps", () => {
    const cell = (i: string, x: number, y: number, w: number, h: number): KeyboardLayoutItem => ({
      i,
      x,
      y,
      w,
      h,
    });
    const places = (l: KeyboardLayoutItem[]) => Object.fromEntries(l.map((o) => [o.i, [o.x, o.y, o.w, o.h]]));
    // A short note above a tall chart, and a KPI beside them.
    const grid = [
      cell("note", 0, 0, 4, 2),
      cell("chart", 0, 2, 4, 6),
      { ...cell("kpi", 4, 0, 3, 3), minW: 2, minH: 3 },
    ];

    it("swaps a widget with its neighbour above or below, whatever their heights", () => {
      expect(places(keyboardLayout(grid, "note", "down", false, 12))).toMatchObject({
        note: [0, 6, 4, 2],
        chart: [0, 0, 4, 6],
      });
      expect(places(keyboardLayout(grid, "chart", "up", false, 12))).toMatchObject({
        note: [0, 6, 4, 2],
        chart: [0, 0, 4, 6],
      });
      // Nothing above, nothing below: the grid stays as it is.
      expect(places(keyboardLayout(grid, "note", "up", false, 12))).toEqual(places(grid));
      expect(places(keyboardLayout(grid, "chart", "down", false, 12))).toEqual(places(grid));
    });

    it("changes nothing when the widget itself cannot move that way", () => {
      // w3 cannot rise past w0, so letting w4 move up past it would only shuffle the others.
      const blocked = [cell("w0", 6, 0, 5, 5), cell("w3", 3, 5, 6, 5), cell("w4", 2, 10, 4, 3)];
      expect(places(keyboardLayout(blocked, "w3", "down", false, 12))).toEqual(places(blocked));
    });

    it("moves one column at a time within the grid, pushing what is in the way", () => {
      expect(places(keyboardLayout(grid, "kpi", "left", false, 12)).kpi).toEqual([3, 0, 3, 3]);
      expect(places(keyboardLayout(grid, "kpi", "right", false, 12)).kpi).toEqual([5, 0, 3, 3]);
      expect(places(keyboardLayout([cell("a", 9, 0, 3, 2)], "a", "right", false, 12)).a).toEqual([
        9, 0, 3, 2,
      ]);
      expect(places(keyboardLayout([cell("a", 0, 0, 3, 2)], "a", "left", false, 12)).a).toEqual([0, 0, 3, 2]);
    });

    it("resizes by one cell, never below the widget's minimum or past the grid", () => {
      expect(places(keyboardLayout(grid, "kpi", "right", true, 12)).kpi).toEqual([4, 0, 4, 3]);
      expect(places(keyboardLayout(grid, "kpi", "left", true, 12)).kpi).toEqual([4, 0, 2, 3]);
      expect(places(keyboardLayout(grid, "kpi", "down", true, 12)).kpi).toEqual([4, 0, 3, 4]);
      expect(places(keyboardLayout(grid, "kpi", "up", true, 12)).kpi).toEqual([4, 0, 3, 3]);
      expect(places(keyboardLayout([cell("a", 8, 0, 4, 2)], "a", "right", true, 12)).a).toEqual([8, 0, 4, 2]);
    });
  });
});
