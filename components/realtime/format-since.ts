const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/** "since 14:03 (5 minutes ago)": when a session started, in the reader's locale and time zone. */
export function formatSince(at: number, now = Date.now(), locale?: string): string {
  const when = new Date(at);
  const sameDay = new Date(now).toDateString() === when.toDateString();
  const clock = sameDay
    ? when.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" })
    : when.toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
  const elapsed = Math.max(0, now - at);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const unit = UNITS.find(([, ms]) => elapsed >= ms);
  const ago = unit ? rtf.format(-Math.floor(elapsed / unit[1]), unit[0]) : "just now";
  return `since ${clock} (${ago})`;
}
