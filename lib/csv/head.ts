/**
 * The quick look at the start of a CSV file that both the browser (before uploading) and the server (before a
 * task is queued) make: is it text, and does its first line name a time and a value column? Framework-free: it
 * reads bytes, so a `Buffer` and a browser `File`'s bytes go through the same check.
 */

/** Names a header may give the time column, and the value column (compared in lower case). */
export const TIME_COLUMNS = ["time", "timestamp", "t", "date"] as const;
export const VALUE_COLUMNS = ["value", "v", "y"] as const;

/** Bytes of the file inspected: enough for any sane header line. */
export const HEAD_BYTES = 64 * 1024;

/** A few lines of a file that imports, for the people who write one. */
export const CSV_SAMPLE =
  "time,value\n2026-11-01T10:00:00Z,42.5\n2026-11-01T10:01:00Z,43.1\n1793527320000,44.2\n";

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

/** Text safe to show: printable characters only, shortened. File content never reaches a message raw. */
export function printable(raw: string, max: number): string {
  const clean = raw.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, "?");
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}

/** Where the header names the time and the value column (-1 when it does not). */
export function columnsOf(record: string[]): { names: string[]; timeCol: number; valueCol: number } {
  const names = record.map((h) => h.toLowerCase());
  return {
    names,
    timeCol: names.findIndex((n) => (TIME_COLUMNS as readonly string[]).includes(n)),
    valueCol: names.findIndex((n) => (VALUE_COLUMNS as readonly string[]).includes(n)),
  };
}

export const headerMessage = (line: number, record: string[]) =>
  `line ${line}: expected a header with "time" and "value" columns, found "${printable(record.join(","), 100)}"`;

/**
 * The fields of one CSV line, trimmed, with RFC 4180 quoting ("a ""b""", c); undefined when its quotes are
 * broken (an unclosed quote, or text right after a closing one).
 */
export function splitCsvLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === " " || line[i] === "\t") i++;
    let field = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return undefined;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      while (line[i] === " " || line[i] === "\t") i++;
      if (i < line.length && line[i] !== ",") return undefined;
    } else {
      const end = line.indexOf(",", i);
      field = (end < 0 ? line.slice(i) : line.slice(i, end)).trim();
      if (field.includes('"')) return undefined;
      i = end < 0 ? line.length : end;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

export interface CsvHead {
  /** A plain sentence for the user when the file cannot be imported. */
  problem?: string;
  /** The header's column names, when it has the two it needs. */
  columns?: string[];
}

/**
 * Checks the first `HEAD_BYTES` of a file of `totalBytes` bytes (`head` may be the whole file). `parseHeader`
 * splits the header line into fields; the server passes its CSV parser, the browser `splitCsvLine`.
 */
export function checkCsvHead(
  head: Uint8Array,
  totalBytes: number,
  parseHeader: (line: string) => string[] | undefined = splitCsvLine,
): CsvHead {
  for (const [what, magic] of SIGNATURES)
    if (magic.every((b, i) => head[i] === b))
      return {
        problem: `this file is ${what}, not a CSV file; export the data as CSV (a "time" and a "value" column)`,
      };
  const start = head.subarray(0, HEAD_BYTES);
  const partial = start.length < totalBytes;
  let text: string;
  try {
    // `stream`: a multi-byte character cut at the end of the inspected bytes is not an error.
    text = new TextDecoder("utf-8", { fatal: true }).decode(start, { stream: partial });
  } catch {
    return {
      problem: "this file is not UTF-8 text, so it is not a CSV file; export the data as CSV (UTF-8)",
    };
  }
  if (text.includes("\u0000"))
    return { problem: "this file is binary, not a CSV file; export the data as CSV" };
  // Like the parser, skip empty lines before the header.
  const lines = text.replace(/^\ufeff/, "").split(/\r\n|\n|\r/);
  const index = lines.findIndex((l) => l.trim() !== "");
  const firstLine = lines[index] ?? "";
  if (index < 0 || (index === lines.length - 1 && partial))
    return {
      problem: "the file has no header line in its first 64 KiB; it must start with a header (time,value)",
    };
  const header = parseHeader(firstLine);
  if (!header)
    return { problem: `line ${index + 1}: the header is not valid CSV: "${printable(firstLine, 100)}"` };
  const { timeCol, valueCol } = columnsOf(header);
  if (timeCol < 0 || valueCol < 0) return { problem: headerMessage(index + 1, header) };
  return { columns: header };
}
