import { describe, expect, it } from "vitest";
import { formatSince } from "./format-since";

describe("formatSince", () => {
  const now = new Date(2026, 10, 24, 15, 30).getTime();

  it("gives the clock time and how long ago, today", () => {
    expect(formatSince(now - 5 * 60_000, now, "en-GB")).toBe("since 15:25 (5 minutes ago)");
    expect(formatSince(now - 10_000, now, "en-GB")).toBe("since 15:29 (just now)");
    expect(formatSince(now - 2 * 3_600_000, now, "en-GB")).toBe("since 13:30 (2 hours ago)");
  });

  it("gives the date for an older session", () => {
    expect(formatSince(now - 3 * 86_400_000, now, "en-GB")).toBe("since 21 Nov 2026, 15:30 (3 days ago)");
  });
});
