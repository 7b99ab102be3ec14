import { describe, expect, it } from "vitest";
import { wordDiff } from "./word-diff";

const marked = (segments: { text: string; changed: boolean }[]) =>
  segments.map((s) => (s.changed ? `[${s.text}]` : s.text)).join("");

describe("wordDiff", () => {
  it("marks the words each version has that the other has not, and keeps both texts whole", () => {
    const d = wordDiff("Ship on Monday with Ana", "Ship on Friday with Ana and Bo");
    expect(marked(d.theirs)).toBe("Ship on [Monday] with Ana");
    expect(marked(d.mine)).toBe("Ship on [Friday] with Ana[ and Bo]");
    expect(d.theirs.map((s) => s.text).join("")).toBe("Ship on Monday with Ana");
    expect(d.mine.map((s) => s.text).join("")).toBe("Ship on Friday with Ana and Bo");
  });

  it("marks nothing when the versions are equal", () => {
    const d = wordDiff("same words", "same words");
    expect(d.theirs).toEqual([{ text: "same words", changed: false }]);
    expect(d.mine).toEqual([{ text: "same words", changed: false }]);
  });

  it("handles an empty side", () => {
    const d = wordDiff("", "new text");
    expect(d.theirs).toEqual([]);
    expect(marked(d.mine)).toBe("[new text]");
  });

  it("gives up on highlights for versions that differ nearly everywhere, showing both whole", () => {
    const a = Array.from({ length: 2000 }, (_, i) => `a${i}`).join(" ");
    const b = Array.from({ length: 2000 }, (_, i) => `b${i}`).join(" ");
    const d = wordDiff(a, b);
    expect(d.theirs).toEqual([{ text: a, changed: false }]);
    expect(d.mine).toEqual([{ text: b, changed: false }]);
  });
});
