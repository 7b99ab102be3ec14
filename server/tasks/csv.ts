import { Readable } from "node:stream";
import { CsvError, parse } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import type { ChartPoint } from "@/lib/boards/types";
import type { BadLine } from "@/lib/protocol/tasks";
import { checkCsvHead as checkHead, columnsOf, HEAD_BYTES, headerMessage, printable } from "@/lib/csv/head";

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

function parseTime(raw: string): number | undefined {
  if (/^\d{1,16}$/.test(raw)) return Number(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw)) return undefined;
  const ms = Date.parse(raw);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

export { HEAD_BYTES };

/** The header line's fields as the importer's parser reads them, or undefined when it cannot. */
function parseHeaderLine(line: string): string[] | undefined {
  try {
    return (parseSync(line, { relax_column_count: true, trim: true }) as string[][])[0];
  } catch {
    return undefined;
  }
}

/**
 * A quick look at the start of an upload, before a task is queued (the browser makes the same one before it
 * uploads): is it text, and is its first line a header with a time and a value column? Returns a plain message for
 * the user, or undefined when the file looks right. Never quotes binary content.
 */
export function checkCsvHead(body: Buffer): string | undefined {
  return checkHead(body.subarray(0, HEAD_BYTES), body.length, parseHeaderLine).problem;
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
