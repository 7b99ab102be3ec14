/**
 * The one place times and numbers are written for people: every component formats through these, in the reader's
 * locale and time zone (`Intl`, with the browser's locale unless a test passes one). "—" when there is nothing.
 */
export const DASH = "—";

type Maybe = number | null | undefined;
const missing = (v: Maybe): v is null | undefined => v === null || v === undefined || !Number.isFinite(v);

const DAY_MS = 86_400_000;

/** A measured value: 2 decimals below 10, 1 above ("3.14", "1,234.5"). */
export function formatNumber(n: Maybe, locale?: string): string {
  if (missing(n)) return DASH;
  return new Intl.NumberFormat(locale, { maximumFractionDigits: Math.abs(n) < 10 ? 2 : 1 }).format(n);
}

/** A whole count, grouped ("12,345"). */
export function formatCount(n: Maybe, locale?: string): string {
  if (missing(n)) return DASH;
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(n);
}

/** A count where space is short: "950", "12K", "1.2M". */
export function formatCompact(n: Maybe, locale?: string): string {
  if (missing(n)) return DASH;
  if (Math.abs(n) < 10_000) return formatCount(n, locale);
  return new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 1 }).format(n);
}

/** A rate: one decimal below 10 ("0.4", "7.5"), compact above. */
export function formatRate(n: Maybe, locale?: string): string {
  if (missing(n)) return DASH;
  if (n === 0) return "0";
  if (Math.abs(n) < 10) return new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(n);
  return formatCompact(n, locale);
}

/** Milliseconds: "0.4 ms", "12 ms", "1.5 s". */
export function formatMs(ms: Maybe, locale?: string): string {
  if (missing(ms)) return DASH;
  if (ms === 0) return "0 ms";
  const num = (v: number, digits: number) =>
    new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(v);
  if (ms >= 1_000) return `${num(ms / 1_000, ms >= 10_000 ? 0 : 1)} s`;
  if (ms >= 10) return `${num(ms, 0)} ms`;
  return `${num(ms, 1)} ms`;
}

/** A size in bytes: "512 B", "1.5 KB", "5 MB". */
export function formatBytes(bytes: Maybe, locale?: string): string {
  if (missing(bytes)) return DASH;
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  let x = bytes;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  const digits = x >= 100 || i === 0 ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(x)} ${units[i]}`;
}

/** A length of time: "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1_000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** The time of day, 24-hour clock in locales that use it: "14:03", or "14:03:27" with seconds. */
export function formatTime(at: number, locale?: string, opts: { seconds?: boolean } = {}): string {
  return new Date(at).toLocaleTimeString(locale, {
    hour: "2-digit",
    minute: "2-digit",
    ...(opts.seconds ? { second: "2-digit" } : {}),
  });
}

/** A date and time: "24 Nov 2026, 14:03", or "24 Nov 2026, 14:03:27" with seconds. */
export function formatDateTime(at: number, locale?: string, opts: { seconds?: boolean } = {}): string {
  return new Date(at).toLocaleString(locale, {
    dateStyle: "medium",
    timeStyle: opts.seconds ? "medium" : "short",
  });
}

/** A day: "24 Nov 2026". */
export function formatDate(at: number, locale?: string): string {
  return new Date(at).toLocaleDateString(locale, { dateStyle: "medium" });
}

/** The instant for machines, as a `<time dateTime>` takes it: "2026-11-24T14:03:27.000Z". */
export function isoTime(at: number): string {
  return new Date(at).toISOString();
}

const sameDay = (a: number, b: number) => new Date(a).toDateString() === new Date(b).toDateString();

/** When something happened: the time today, the date and time before. */
export function formatWhen(at: number, now = Date.now(), locale?: string): string {
  return sameDay(at, now) ? formatTime(at, locale) : formatDateTime(at, locale);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", DAY_MS],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/** "5 minutes ago", "yesterday", "just now". */
export function formatAgo(at: number, now = Date.now(), locale?: string): string {
  const elapsed = Math.max(0, now - at);
  const unit = UNITS.find(([, ms]) => elapsed >= ms);
  if (!unit) return "just now";
  return new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(
    -Math.floor(elapsed / unit[1]),
    unit[0],
  );
}

/** "since 14:03 (5 minutes ago)": when a session started. */
export function formatSince(at: number, now = Date.now(), locale?: string): string {
  return `since ${formatWhen(at, now, locale)} (${formatAgo(at, now, locale)})`;
}

/**
 * Labels for a time axis whose ticks are `ticks` (ms) over a span of `spanMs`: seconds for a few minutes, hours
 * and minutes within a day, and the date wherever the day changes when the span crosses midnight (with only the
 * date for spans of many days).
 */
export function formatAxisTimes(ticks: readonly number[], spanMs: number, locale?: string): string[] {
  if (spanMs > 3 * DAY_MS)
    return ticks.map((t) => new Date(t).toLocaleDateString(locale, { month: "short", day: "numeric" }));
  const seconds = spanMs < 5 * 60_000;
  const crossesDays = ticks.length > 0 && !sameDay(ticks[0]!, ticks[ticks.length - 1]!);
  return ticks.map((t, i) => {
    const time = formatTime(t, locale, { seconds });
    const newDay = i === 0 || !sameDay(ticks[i - 1]!, t);
    if (!crossesDays || !newDay) return time;
    return `${new Date(t).toLocaleDateString(locale, { month: "short", day: "numeric" })} ${time}`;
  });
}

/** A point's time in a tooltip: with seconds, and with the date unless it is today. */
export function formatPointTime(at: number, now = Date.now(), locale?: string): string {
  const time = formatTime(at, locale, { seconds: true });
  if (sameDay(at, now)) return time;
  return `${new Date(at).toLocaleDateString(locale, { dateStyle: "medium" })} ${time}`;
}
