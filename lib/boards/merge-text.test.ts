import { describe, expect, it } from "vitest";
import { mergeText } from "./merge-text";

describe("mergeText", () => {
  const base = "Agenda: budget, hiring and the roadmap.\nNotes follow.";

  it("keeps both edits when they change different words", () => {
    const mine = "Agenda: budget, hiring and the Q3 roadmap.\nNotes follow.";
    const theirs = "Agenda: travel budget, hiring and the roadmap.\nNotes follow.";
    expect(mergeText(base, mine, theirs)).toBe(
      "Agenda: travel budget, hiring and the Q3 roadmap.\nNotes follow.",
    );
    expect(mergeText(base, theirs, mine)).toBe(mergeText(base, mine, theirs));
  });

  it("keeps a line added at the end beside a word changed at the start", () => {
    expect(mergeText(base, `${base}\n- ask Bob`, base.replace("Agenda", "Plan"))).toBe(
      "Plan: budget, hiring and the roadmap.\nNotes follow.\n- ask Bob",
    );
  });

  it("refuses edits of the same words, and insertions at the same place", () => {
    expect(mergeText(base, base.replace("budget", "costs"), base.replace("budget", "money"))).toBeUndefined();
    expect(mergeText("", "Alice's agenda", "Bob's agenda")).toBeUndefined();
    expect(mergeText(base, `${base} A`, `${base} B`)).toBeUndefined();
  });

  it("counts the same change made on both sides once", () => {
    const both = base.replace("roadmap", "plan");
    expect(mergeText(base, `${both}!`, both)).toBe(`${both}!`);
    expect(mergeText(base, both, both)).toBe(both);
  });

  it("returns the other side when one side did not change", () => {
    expect(mergeText(base, base, "x")).toBe("x");
    expect(mergeText(base, "y", base)).toBe("y");
  });

  it("gives up on rewrites too large to diff cheaply", () => {
    const long = Array.from({ length: 3_000 }, (_, i) => `w${i}`).join(" ");
    const rewritten = Array.from({ length: 3_000 }, (_, i) => `v${i}`).join(" ");
    expect(mergeText(long, rewritten, `${long} end`)).toBeUndefined();
  });
});
