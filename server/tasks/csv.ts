import { Readable } from "node:stream";
import { CsvError, parse } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import type { ChartPoint } from "@/lib/boards/types";
import type { BadLine } from "@/lib/protocol/tasks";

export const MAX_REPORTED_BAD_LINES = 100;

/** Bytes handed to the parser at a time: one chunk parses in a few milliseconds, even on a busy machine. */
const CHUNK_BYTES = 1024;
/** The longest the checker runs before it lets the event loop serve other work (sockets, timers, HTTP). */
const SLICE_MS = 3;

export interface CsvCheck {
  /** The newest `keepNewest` valid points by time (ties: the later line wins), in time order. */
  points: { line: number; point: ChartPoint }[];
  /** Valid data rows in the file, kept or not. */
  validCount: number;
  bad: BadLine[];
  badCount: number;
  /** A problem with the file as a whole (no header, unreadable, too many rows), as opposed to individual rows. */
  fatal?: string;
}

export interface CsvCheckOptions {
  /** More data rows than this (valid or not) make the file fatal; parsing stops at the first row over. */
  maxRows: number;
  /** Only this many points are kept, the newest by time: a chart holds no more (`CHART_LIMITS.pointsRetained`). */
  keepNewest: number;
  /** Called between slices with the fraction of the bytes parsed; awaited (it may report or check cancellation). */
  onProgress?: (fraction: number, rows: number) => Promise<void> | void;
}

const TIME_NAMES = new Set(["time", "timestamp", "t", "date"]);
const VALUE_NAMES = new Set(["value", "v", "y"]);

function parseTime(raw: string): number | undefined {
  if (/^\d{1,16}$/.test(raw)) return Number(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw)) return undefined;
  const ms = Date.parse(raw);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** Text safe to show: printable characters only, shortened. File content never reaches a message raw. */
function printable(raw: string, max: number): string {
  const clean = raw.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, "?");
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}

function columnsOf(record: string[]): { names: string[]; timeCol: number; valueCol: number } {
  const names = record.map((h) => h.toLowerCase());
  return {
    names,
    timeCol: names.findIndex((n) => TIME_NAMES.has(n)),
    valueCol: names.findIndex((n) => VALUE_NAMES.has(n)),
  };
}

const headerMessage = (line: number, record: string[]) =>
  `line ${line}: expected a header with "time" and "value" columns, found "${printable(record.join(","), 100)}"`;

/** Magic numbers of files people upload by mistake, so the refusal can say what the file looks like. */
const SIGNATURES: [string, number[]][] = [
  ["a PNG image", [0x89, 0x50, 0x4e, 0x47]],
  ["a JPEG image", [0xff, 0xd8, 0xff]],
  ["a GIF image", [0x47, 0x49, 0x46, 0x38]],
  ["a PDF document", [0x25, 0x50, 0x44, 0x46]],
  ["a ZIP archive (or an Excel .xlsx file)", [0x50, 0x4b, 0x03, 0x04]],
  ["a gzip archive", [0x1f, 0x8b]],
  ["an old Excel or Word file", [0xd0, 0xcf, 0x11, 0xe0]],
];

/** Bytes of the file inspected at upload: enough for any sane header line. */
export const HEAD_BYTES = 64 * 1024;

/**
 * A quick look at the start of an upload, before a task is queued: is it text, and is its first line a header
 * with a time and a value column? Returns a plain message for the user, or undefined when the file looks right.
 * Never quotes binary content.
 */
export function checkCsvHead(body: Buffer): string | undefined {
  for (const [what, magic] of SIGNATURES)
    if (magic.every((b, i) => body[i] === b))
      return `this file is ${what}, not a CSV file; export the data as CSV (a "time" and a "value" column)`;
  const head = body.subarray(0, HEAD_BYTES);
  let text: string;
  try {
    // `stream`: a multi-byte character cut at the end of the inspected bytes is not an error.
    text = new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: head.length < body.length });
  } catch {
    return "this file is not UTF-8 text, so it is not a CSV file; export the data as CSV (UTF-8)";
  }
  if (text.includes("\u0000")) return "this file is binary, not a CSV file; export the data as CSV";
  // Like the parser, skip empty lines before the header.
  const lines = text.replace(/^\ufeff/, "").split(/\r\n|\n|\r/);
  const index = lines.findIndex((l) => l.trim() !== "");
  const firstLine = lines[index] ?? "";
  if (index < 0 || (index === lines.length - 1 && head.length < body.length))
    return "the file has no header line in its first 64 KiB; it must start with a header (time,value)";
  let header: string[] | undefined;
  try {
    header = (parseSync(firstLine, { relax_column_count: true, trim: true }) as string[][])[0];
  } catch {
    header = undefined;
  }
  if (!header) return `line ${index + 1}: the header is not valid CSV: "${printable(firstLine, 100)}"`;
  const { timeCol, valueCol } = columnsOf(header);
  if (timeCol < 0 || valueCol < 0) return headerMessage(index + 1, header);
  return undefined;
}

/** A min-heap on (time, line): the root is the oldest kept point, the first to go when a newer one arrives. */
class NewestPoints {
  private readonly heap: { line: number; point: ChartPoint }[] = [];
  constructor(private readonly capacity: number) {}

  private static older(a: { line: number; point: ChartPoint }, b: { line: number; point: ChartPoint }) {
    return a.point[0] < b.point[0] || (a.point[0] === b.point[0] && a.line < b.line);
  }

  offer(item: { line: number; point: ChartPoint }): void {
    const h = this.heap;
    if (this.capacity <= 0) return;
    if (h.length < this.capacity) {
      h.push(item);
      let i = h.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!NewestPoints.older(h[i]!, h[p]!)) break;
        [h[i], h[p]] = [h[p]!, h[i]!];
        i = p;
      }
      return;
    }
    if (!NewestPoints.older(h[0]!, item)) return;
    h[0] = item;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && NewestPoints.older(h[l]!, h[m]!)) m = l;
      if (r < h.length && NewestPoints.older(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }

  sorted(): { line: number; point: ChartPoint }[] {
    return [...this.heap].sort((a, b) => a.point[0] - b.point[0] || a.line - b.line);
  }
}

/** The longest pause between slices. */
const MAX_PAUSE_MS = 50;

/**
 * Lets the event loop run after a slice that took `sliceMs` of wall time: a pause as long as the slice, so an
 * import takes at most about half of the process's time. On a busy machine the slice took longer than its budget
 * (the thread was preempted), so the pause grows and the import backs off; a process that sleeps is also woken
 * promptly by the OS scheduler, which a process that never sleeps is not.
 */
const yieldToEventLoop = (sliceMs: number) =>
  new Promise<void>((resolve) =>
    setTimeout(resolve, Math.min(MAX_PAUSE_MS, Math.max(1, Math.round(sliceMs)))),
  );

/**
 * Parses and validates a chart CSV with csv-parse's streaming parser: a header naming a time column (`time`, ISO
 * 8601 or epoch ms) and a value column (`value`, a finite number). Every row is checked; bad rows are reported
 * with their line numbers. The input is fed in small chunks and the check yields to the event loop every few
 * milliseconds, so a large file never stalls the process it runs in (the web process, in embedded mode). Memory
 * stays bounded: only the newest `keepNewest` points are kept.
 */
export async function checkChartCsv(input: Buffer | string, opts: CsvCheckOptions): Promise<CsvCheck> {
  const data = typeof input === "string" ? Buffer.from(input) : input;
  const parser = parse({
    info: true,
    skip_empty_lines: true,
    relax_column_count: true,
    trim: true,
    bom: true,
  });
  const source = Readable.from(
    (function* () {
      for (let off = 0; off < data.length; off += CHUNK_BYTES) yield data.subarray(off, off + CHUNK_BYTES);
    })(),
    { objectMode: false },
  );
  source.on("error", (err) => parser.destroy(err));
  source.pipe(parser);
  const stop = () => {
    source.unpipe(parser);
    source.destroy();
    parser.destroy();
  };

  const kept = new NewestPoints(opts.keepNewest);
  const bad: BadLine[] = [];
  let badCount = 0;
  let validCount = 0;
  let rows = 0;
  let columns: ReturnType<typeof columnsOf> | undefined;
  const reject = (line: number, reason: string) => {
    badCount++;
    if (bad.length < MAX_REPORTED_BAD_LINES) bad.push({ line, reason });
  };
  const fatal = (message: string): CsvCheck => {
    stop();
    return { points: [], validCount: 0, bad: [], badCount: 0, fatal: message };
  };

  let sliceStart = performance.now();
  try {
    for await (const item of parser as AsyncIterable<{
      record: string[];
      info: { lines: number; bytes: number };
    }>) {
      const { record, info } = item;
      const line = info.lines;
      if (!columns) {
        columns = columnsOf(record);
        if (columns.timeCol < 0 || columns.valueCol < 0) return fatal(headerMessage(line, record));
      } else {
        if (++rows > opts.maxRows)
          return fatal(
            `the file has more than ${opts.maxRows.toLocaleString("en-US")} data rows, the most one import takes; split it, or keep only the newest rows`,
          );
        const rawTime = record[columns.timeCol];
        const rawValue = record[columns.valueCol];
        if (rawTime === undefined || rawValue === undefined)
          reject(line, `expected ${columns.names.length} columns, found ${record.length}`);
        else {
          const t = parseTime(rawTime);
          const v = rawValue === "" ? NaN : Number(rawValue);
          if (t === undefined)
            reject(line, `"${printable(rawTime, 40)}" is not a time (ISO 8601 or epoch milliseconds)`);
          else if (!Number.isFinite(v)) reject(line, `"${printable(rawValue, 40)}" is not a number`);
          else {
            validCount++;
            kept.offer({ line, point: [t, v] });
          }
        }
      }
      if (performance.now() - sliceStart >= SLICE_MS) {
        await opts.onProgress?.(Math.min(1, info.bytes / Math.max(1, data.length)), rows);
        await yieldToEventLoop(performance.now() - sliceStart);
        sliceStart = performance.now();
      }
    }
  } catch (err) {
    stop();
    // Cancellation (thrown by `onProgress`) and the like go on; only the parser's own errors describe the file.
    if (!(err instanceof CsvError)) throw err;
    const e = err;
    return {
      points: [],
      validCount: 0,
      bad: [],
      badCount: 0,
      fatal: `the file is not valid CSV: ${printable(e.message, 200)}`,
    };
  }
  if (!columns) return { points: [], validCount: 0, bad: [], badCount: 0, fatal: "the file is empty" };
  return { points: kept.sorted(), validCount, bad, badCount };
}
