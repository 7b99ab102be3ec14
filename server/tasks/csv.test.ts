import { describe, expect, it } from "vitest";
import { TaskCancelled } from "./queue";
import { checkChartCsv, checkCsvHead } from "./csv";

describe("checkChartCsv (streaming)", () => {
  it("keeps the newest points by time, the later line winning a tie, in time order", async () => {
    let seed = 7;
    const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const rows = Array.from({ length: 3_000 }, (_, i) => ({ t: Math.floor(rand() * 500), v: i }));
    const csv = ["time,value", ...rows.map((r) => `${r.t},${r.v}`)].join("\n");
    const check = await checkChartCsv(csv, { maxRows: 10_000, keepNewest: 100 });
    const expected = rows
      .map((r, i) => ({ line: i + 2, point: [r.t, r.v] }))
      .sort((a, b) => a.point[0]! - b.point[0]! || a.line - b.line)
      .slice(-100);
    expect(check.points).toEqual(expected);
    expect(check.validCount).toBe(3_000);
  });

  it("lets cancellation from the progress callback through, rather than calling the file invalid", async () => {
    const csv = ["time,value", ...Array.from({ length: 50_000 }, (_, i) => `${i},${i}`)].join("\n");
    await expect(
      checkChartCsv(csv, {
        maxRows: 100_000,
        keepNewest: 10,
        onProgress: () => {
          throw new TaskCancelled();
        },
      }),
    ).rejects.toBeInstanceOf(TaskCancelled);
  });

  it("reports a malformed file without quoting control characters", async () => {
    const check = await checkChartCsv('time,value\n1,"2\u0001\n', { maxRows: 10, keepNewest: 10 });
    expect(check.fatal).toMatch(/^the file is not valid CSV: /);
    expect(check.fatal).not.toMatch(/[\u0000-\u0008]/);
  });

  it("accepts a header after empty lines and a multi-byte character cut at the inspected bytes", () => {
    expect(checkCsvHead(Buffer.from("\r\n\r\nTime,Value\r\n1,2\r\n"))).toBeUndefined();
    const big = Buffer.from(`time,value\n${"1,2\n".repeat(16_381)}é`);
    expect(checkCsvHead(big.subarray(0, 64 * 1024 + 1))).toBeUndefined();
  });
});
