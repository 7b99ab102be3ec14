import { describe, expect, it } from "vitest";
import {
  formatAgo,
  formatAxisTimes,
  formatBytes,
  formatCompact,
  formatCount,
  formatDate,
  formatDateTime,
  formatDuration,
  formatMs,
  formatNumber,
  formatPointTime,
  formatRate,
  formatSince,
  formatTime,
  formatWhen,
  isoTime,
} from ".";

describe("numbers", () => {
  it("writes measured values with 2 decimals below 10 and 1 above, grouped by the locale", () => {
    expect(formatNumber(3.14159, "en-US")).toBe("3.14");
    expect(formatNumber(1234.56, "en-US")).toBe("1,234.6");
    expect(formatNumber(1234.56, "de-DE")).toBe("1.234,6");
    expect(formatNumber(null)).toBe("—");
    expect(formatNumber(Number.NaN)).toBe("—");
  });

  it("writes counts whole, and compact only when large", () => {
    expect(formatCount(12345, "en-US")).toBe("12,345");
    expect(formatCount(12345, "fr-FR")).toBe("12\u202f345");
    expect(formatCompact(950, "en-US")).toBe("950");
    expect(formatCompact(12_345, "en-US")).toBe("12.3K");
    expect(formatCompact(1_250_000, "en-US")).toBe("1.3M");
    expect(formatCompact(undefined)).toBe("—");
  });

  it("writes rates, milliseconds and sizes", () => {
    expect(formatRate(0, "en-US")).toBe("0");
    expect(formatRate(7.46, "en-US")).toBe("7.5");
    expect(formatRate(42, "en-US")).toBe("42");
    expect(formatMs(0.42, "en-US")).toBe("0.4 ms");
    expect(formatMs(12.4, "en-US")).toBe("12 ms");
    expect(formatMs(1_500, "en-US")).toBe("1.5 s");
    expect(formatMs(1_500, "de-DE")).toBe("1,5 s");
    expect(formatBytes(512, "en-US")).toBe("512 B");
    expect(formatBytes(1536, "en-US")).toBe("1.5 KB");
    expect(formatBytes(5 * 1024 * 1024, "en-US")).toBe("5 MB");
  });

  it("writes durations", () => {
    expect(formatDuration(45_000)).toBe("45 s");
    expect(formatDuration(12 * 60_000)).toBe("12 min");
    expect(formatDuration(185 * 60_000)).toBe("3 h 5 min");
    expect(formatDuration(52 * 3_600_000)).toBe("2 d 4 h");
  });
});

describe("times", () => {
  const now = new Date(2026, 10, 24, 15, 30, 12).getTime();

  it("writes the time of day in the locale's clock", () => {
    expect(formatTime(now, "en-GB")).toBe("15:30");
    expect(formatTime(now, "en-GB", { seconds: true })).toBe("15:30:12");
    expect(formatTime(now, "en-US")).toBe("03:30 PM");
  });

  it("writes the time today and the date before", () => {
    expect(formatWhen(now - 60_000, now, "en-GB")).toBe("15:29");
    expect(formatWhen(now - 3 * 86_400_000, now, "en-GB")).toBe("21 Nov 2026, 15:30");
  });

  it("writes a day, a date and time with seconds, and the instant for machines", () => {
    expect(formatDate(now, "en-GB")).toBe("24 Nov 2026");
    expect(formatDateTime(now, "en-GB", { seconds: true })).toBe("24 Nov 2026, 15:30:12");
    expect(isoTime(Date.UTC(2026, 10, 24, 14, 3, 27))).toBe("2026-11-24T14:03:27.000Z");
  });

  it("says how long ago, and since when", () => {
    expect(formatAgo(now - 10_000, now, "en-GB")).toBe("just now");
    expect(formatAgo(now - 5 * 60_000, now, "en-GB")).toBe("5 minutes ago");
    expect(formatAgo(now - 86_400_000, now, "en-GB")).toBe("yesterday");
    expect(formatSince(now - 5 * 60_000, now, "en-GB")).toBe("since 15:25 (5 minutes ago)");
    expect(formatSince(now - 2 * 3_600_000, now, "en-GB")).toBe("since 13:30 (2 hours ago)");
    expect(formatSince(now - 3 * 86_400_000, now, "en-GB")).toBe("since 21 Nov 2026, 15:30 (3 days ago)");
  });

  it("labels a time axis with seconds for short spans and the date where a span crosses midnight", () => {
    const t = (d: number, h: number, m = 0, s = 0) => new Date(2026, 10, d, h, m, s).getTime();
    expect(formatAxisTimes([t(24, 15, 0, 0), t(24, 15, 0, 30)], 60_000, "en-GB")).toEqual([
      "15:00:00",
      "15:00:30",
    ]);
    expect(formatAxisTimes([t(24, 12), t(24, 18)], 6 * 3_600_000, "en-GB")).toEqual(["12:00", "18:00"]);
    expect(formatAxisTimes([t(24, 18), t(25, 0), t(25, 6)], 12 * 3_600_000, "en-GB")).toEqual([
      "24 Nov 18:00",
      "25 Nov 00:00",
      "06:00",
    ]);
    expect(formatAxisTimes([t(20, 0), t(24, 0)], 7 * 86_400_000, "en-GB")).toEqual(["20 Nov", "24 Nov"]);
  });

  it("gives a point's time with seconds, and its date unless today", () => {
    expect(formatPointTime(now, now, "en-GB")).toBe("15:30:12");
    expect(formatPointTime(now - 86_400_000, now, "en-GB")).toBe("23 Nov 2026 15:30:12");
  });
});
