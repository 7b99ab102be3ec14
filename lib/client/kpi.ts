import { formatNumber } from "../format";

export interface KpiChange {
  direction: "up" | "down" | "flat";
  /** `value - previous`. */
  delta: number;
  /** The change relative to `previous`, in percent; null when `previous` is 0. */
  percent: number | null;
}

/** The change from the previous value to the current one, or null when either is missing. */
export function kpiChange(value: number | null, previous: number | null): KpiChange | null {
  if (value === null || previous === null) return null;
  const delta = value - previous;
  return {
    direction: delta > 0 ? "up" : delta < 0 ? "down" : "flat",
    delta,
    percent: previous === 0 ? null : (delta / Math.abs(previous)) * 100,
  };
}

/** "+12 (+4.8%)", "−3 (−50%)", "±0". */
export function formatChange(change: KpiChange, locale?: string): string {
  if (change.direction === "flat") return "±0";
  const sign = change.delta > 0 ? "+" : "−";
  const abs = `${sign}${formatNumber(Math.abs(change.delta), locale)}`;
  if (change.percent === null) return abs;
  const pct = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(Math.abs(change.percent));
  return `${abs} (${sign}${pct}%)`;
}
