import { parse } from "csv-parse/sync";
import type { ChartPoint } from "@/lib/boards/types";
import type { BadLine } from "@/lib/protocol/tasks";

export const MAX_REPORTED_BAD_LINES = 100;

export interface CsvCheck {
  points: { line: number; point: ChartPoint }[];
  bad: BadLine[];
  badCount: number;
  /** A problem with the file as a whole (no header, unreadable), as opposed to individual rows. */
  fatal?: string;
}

const TIME_NAMES = new Set(["time", "timestamp", "t", "date"]);
const VALUE_NAMES = new Set(["value", "v", "y"]);

function parseTime(raw: string): number | undefined {
  if (/^\d{1,16}$/.test(raw)) return Number(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw)) return undefined;
  const ms = Date.parse(raw);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/**
 * Parses and validates a chart CSV: a header naming a time column (`time`, ISO 8601 or epoch ms) and a value
 * column (`value`, a finite number). Every row is checked; bad rows are reported with their line numbers.
 */
export function checkChartCsv(input: Buffer | string, onProgress?: (fraction: number) => void): CsvCheck {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(input, {
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      bom: true,
    }) as unknown as typeof rows;
  } catch (err) {
    return {
      points: [],
      bad: [],
      badCount: 0,
      fatal: `the file is not valid CSV: ${(err as Error).message}`,
    };
  }
  const header = rows.shift();
  if (!header) return { points: [], bad: [], badCount: 0, fatal: "the file is empty" };
  const names = header.record.map((h) => h.toLowerCase());
  const timeCol = names.findIndex((n) => TIME_NAMES.has(n));
  const valueCol = names.findIndex((n) => VALUE_NAMES.has(n));
  if (timeCol < 0 || valueCol < 0) {
    return {
      points: [],
      bad: [],
      badCount: 0,
      fatal: `line ${header.info.lines}: expected a header with "time" and "value" columns, found "${header.record.join(",").slice(0, 100)}"`,
    };
  }
  const points: CsvCheck["points"] = [];
  const bad: BadLine[] = [];
  let badCount = 0;
  const reject = (line: number, reason: string) => {
    badCount++;
    if (bad.length < MAX_REPORTED_BAD_LINES) bad.push({ line, reason });
  };
  rows.forEach(({ record, info }, i) => {
    const line = info.lines;
    const rawTime = record[timeCol];
    const rawValue = record[valueCol];
    if (rawTime === undefined || rawValue === undefined)
      return reject(line, `expected ${names.length} columns, found ${record.length}`);
    const t = parseTime(rawTime);
    if (t === undefined)
      return reject(line, `"${rawTime.slice(0, 40)}" is not a time (ISO 8601 or epoch milliseconds)`);
    const v = rawValue === "" ? NaN : Number(rawValue);
    if (!Number.isFinite(v)) return reject(line, `"${rawValue.slice(0, 40)}" is not a number`);
    points.push({ line, point: [t, v] });
    if (onProgress && i % 500 === 0) onProgress(i / rows.length);
  });
  return { points, bad, badCount };
}
