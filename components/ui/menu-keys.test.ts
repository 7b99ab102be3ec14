import { describe, expect, it } from "vitest";
import { menuButtonKey, menuKey, menuTypeAhead } from "./menu-keys";

describe("menu keys", () => {
  it("ArrowDown moves to the next item and wraps from the last to the first", () => {
    expect(menuKey("ArrowDown", 0, 3)).toEqual({ kind: "focus", index: 1 });
    expect(menuKey("ArrowDown", 1, 3)).toEqual({ kind: "focus", index: 2 });
    expect(menuKey("ArrowDown", 2, 3)).toEqual({ kind: "focus", index: 0 });
  });

  it("ArrowUp moves to the previous item and wraps from the first to the last", () => {
    expect(menuKey("ArrowUp", 2, 3)).toEqual({ kind: "focus", index: 1 });
    expect(menuKey("ArrowUp", 0, 3)).toEqual({ kind: "focus", index: 2 });
  });

  it("with no item focused, ArrowDown goes to the first and ArrowUp to the last", () => {
    expect(menuKey("ArrowDown", -1, 4)).toEqual({ kind: "focus", index: 0 });
    expect(menuKey("ArrowUp", -1, 4)).toEqual({ kind: "focus", index: 3 });
  });

  it("Home and End go to the first and the last item", () => {
    expect(menuKey("Home", 2, 5)).toEqual({ kind: "focus", index: 0 });
    expect(menuKey("End", 1, 5)).toEqual({ kind: "focus", index: 4 });
    expect(menuKey("PageUp", 3, 5)).toEqual({ kind: "focus", index: 0 });
    expect(menuKey("PageDown", 0, 5)).toEqual({ kind: "focus", index: 4 });
  });

  it("a single item stays focused on every move", () => {
    for (const key of ["ArrowDown", "ArrowUp", "Home", "End"])
      expect(menuKey(key, 0, 1)).toEqual({ kind: "focus", index: 0 });
  });

  it("Escape closes and returns focus to the button; Tab closes and lets focus move on", () => {
    expect(menuKey("Escape", 1, 3)).toEqual({ kind: "close", refocus: true });
    expect(menuKey("Tab", 1, 3)).toEqual({ kind: "close", refocus: false });
    expect(menuKey("Escape", -1, 0)).toEqual({ kind: "close", refocus: true });
  });

  it("other keys, and moves in an empty menu, are left to the browser", () => {
    expect(menuKey("Enter", 0, 3)).toEqual({ kind: "none" });
    expect(menuKey(" ", 0, 3)).toEqual({ kind: "none" });
    expect(menuKey("ArrowLeft", 0, 3)).toEqual({ kind: "none" });
    expect(menuKey("ArrowDown", -1, 0)).toEqual({ kind: "none" });
  });

  it("on the closed menu's button, ArrowDown opens on the first item and ArrowUp on the last", () => {
    expect(menuButtonKey("ArrowDown")).toBe("first");
    expect(menuButtonKey("ArrowUp")).toBe("last");
    expect(menuButtonKey("Enter")).toBeNull();
    expect(menuButtonKey("a")).toBeNull();
  });

  it("a typed letter goes to the next item starting with it, wrapping, whatever its case", () => {
    const labels = ["Note", "KPI", "Checklist", "Live chart", "new thing"];
    expect(menuTypeAhead("k", 0, labels)).toBe(1);
    expect(menuTypeAhead("n", 0, labels)).toBe(4);
    expect(menuTypeAhead("N", 4, labels)).toBe(0);
    expect(menuTypeAhead("l", -1, labels)).toBe(3);
    expect(menuTypeAhead("z", 0, labels)).toBe(-1);
    expect(menuTypeAhead(" ", 0, labels)).toBe(-1);
    expect(menuTypeAhead("Shift", 0, labels)).toBe(-1);
  });
});
