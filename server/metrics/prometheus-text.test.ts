import { describe, expect, it } from "vitest";
import { parsePrometheusText, sampleValue } from "./prometheus-text";

describe("parsePrometheusText", () => {
  it("reads families, labels with escapes, histograms and special values", () => {
    const text = [
      "# HELP a_total Things.",
      "# TYPE a_total counter",
      'a_total{kind="x",note="say \\"hi\\"\\n"} 3',
      "# TYPE h histogram",
      'h_bucket{le="0.1"} 1',
      'h_bucket{le="+Inf"} 2',
      "h_sum 0.3",
      "h_count 2",
      "# TYPE g gauge",
      "g Nan",
      "g2 +Inf 1700000000000",
      "",
    ].join("\n");
    const f = parsePrometheusText(text);
    expect(f.get("a_total")).toMatchObject({ type: "counter", help: "Things." });
    expect(f.get("a_total")!.samples[0]!.labels).toEqual({ kind: "x", note: 'say "hi"\n' });
    expect(f.get("h")!.samples.map((s) => s.name)).toEqual(["h_bucket", "h_bucket", "h_sum", "h_count"]);
    expect(sampleValue(f, "h_bucket", { le: "+Inf" })).toBe(2);
    expect(sampleValue(f, "g")).toBeNaN();
    expect(sampleValue(f, "g2")).toBe(Infinity);
  });

  it("throws on what is not the text format", () => {
    expect(() => parsePrometheusText("<html>nope</html>")).toThrow();
    expect(() => parsePrometheusText('x{a="1" 2')).toThrow();
    expect(() => parsePrometheusText("x abc")).toThrow();
    expect(() => parsePrometheusText("# TYPE x thing")).toThrow();
  });
});
