import { describe, expect, it } from "vitest";
import { checkCsvHead, CSV_SAMPLE, HEAD_BYTES, splitCsvLine } from "./head";

const bytes = (s: string | number[]) =>
  typeof s === "string" ? new TextEncoder().encode(s) : new Uint8Array(s);
const check = (s: string | number[]) => {
  const b = bytes(s);
  return checkCsvHead(b, b.length);
};

describe("checkCsvHead", () => {
  it("accepts a header with a time and a value column, and says which columns it found", () => {
    expect(check("time,value\n1,2\n")).toEqual({ columns: ["time", "value"] });
    expect(check("\r\n\r\nTimestamp, Value ,note\r\n1,2,x\r\n")).toEqual({
      columns: ["Timestamp", "Value", "note"],
    });
    expect(check(CSV_SAMPLE).problem).toBeUndefined();
  });

  it("names what a file is when it is an image, a PDF or a spreadsheet", () => {
    expect(check([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]).problem).toMatch(
      /^this file is a PNG image, not a CSV file/,
    );
    expect(check([0x25, 0x50, 0x44, 0x46, 0x2d]).problem).toMatch(/a PDF document/);
    expect(check([0x50, 0x4b, 0x03, 0x04, 0]).problem).toMatch(/Excel \.xlsx/);
  });

  it("refuses text that is not UTF-8, binary content, and a missing or wrong header", () => {
    expect(check([0x74, 0xff, 0xfe, 0x0a, 0x31]).problem).toMatch(/not UTF-8 text/);
    expect(check("time\u0000value").problem).toMatch(/binary/);
    expect(check("\n\n").problem).toMatch(/no header line/);
    expect(check("when,amount\n1,2").problem).toBe(
      'line 1: expected a header with "time" and "value" columns, found "when,amount"',
    );
    expect(check('"time,value\n').problem).toMatch(/^line 1: the header is not valid CSV/);
  });

  it("looks only at the first 64 KiB: a header longer than that is refused, a cut character is not", () => {
    const long = `time,value${"x".repeat(HEAD_BYTES)}`;
    const b = bytes(long);
    expect(checkCsvHead(b.subarray(0, HEAD_BYTES), b.length).problem).toMatch(/no header line/);
    const cut = bytes(`time,value\n${"é".repeat(HEAD_BYTES)}`);
    expect(checkCsvHead(cut.subarray(0, HEAD_BYTES), cut.length).problem).toBeUndefined();
  });
});

describe("splitCsvLine", () => {
  it("splits on commas, trims, and reads quoted fields", () => {
    expect(splitCsvLine("time, value ,x")).toEqual(["time", "value", "x"]);
    expect(splitCsvLine('"time","a, ""b""" , c')).toEqual(["time", 'a, "b"', "c"]);
    expect(splitCsvLine("a,,b,")).toEqual(["a", "", "b", ""]);
  });

  it("gives undefined for broken quotes", () => {
    expect(splitCsvLine('"time,value')).toBeUndefined();
    expect(splitCsvLine('"time"x,value')).toBeUndefined();
    expect(splitCsvLine('ti"me,value')).toBeUndefined();
  });
});
