import { describe, expect, it } from "vitest";
import { markdownToPlainText, parseInline, parseMarkdown, safeHref } from "./markdown";

describe("note markdown", () => {
  it("parses the inline subset", () => {
    expect(parseInline("a **b** _c_ *d* `e` [f](https://x.io) @bob")).toEqual([
      { type: "text", text: "a " },
      { type: "strong", children: [{ type: "text", text: "b" }] },
      { type: "text", text: " " },
      { type: "em", children: [{ type: "text", text: "c" }] },
      { type: "text", text: " " },
      { type: "em", children: [{ type: "text", text: "d" }] },
      { type: "text", text: " " },
      { type: "code", text: "e" },
      { type: "text", text: " " },
      { type: "link", href: "https://x.io", children: [{ type: "text", text: "f" }] },
      { type: "text", text: " " },
      { type: "mention", name: "bob" },
    ]);
  });

  it("keeps markup characters that do not form markup as text", () => {
    expect(parseInline("snake_case_name, 2 * 3 * 4, a@b.co, **")).toEqual([
      { type: "text", text: "snake_case_name, 2 * 3 * 4, a@b.co, **" },
    ]);
  });

  it("never turns HTML into anything but text", () => {
    const evil = `<script>alert(1)</script><img src=x onerror="alert(2)">`;
    expect(parseMarkdown(evil)).toEqual([{ type: "p", children: [{ type: "text", text: evil }] }]);
  });

  it("links only to safe targets", () => {
    for (const bad of [
      "javascript:alert(1)",
      "JavaScript:alert(1)",
      "data:text/html,x",
      "//evil.io",
      "vbscript:x",
    ])
      expect(safeHref(bad)).toBeUndefined();
    for (const good of ["https://a.io/x?y=1", "http://a.io", "mailto:a@b.co", "/boards/x"])
      expect(safeHref(good)).toBe(good);
    expect(parseInline("[click](javascript:alert(1))")).toEqual([
      { type: "text", text: "[click](javascript:alert(1))" },
    ]);
    expect(parseInline("see https://example.com/a.")).toEqual([
      { type: "text", text: "see " },
      {
        type: "link",
        href: "https://example.com/a",
        children: [{ type: "text", text: "https://example.com/a" }],
      },
      { type: "text", text: "." },
    ]);
  });

  it("parses blocks: headings, lists, paragraphs with line breaks", () => {
    expect(parseMarkdown("# Plan\n- one\n- **two**\n\n1. a\n2. b\nline 1\nline 2")).toEqual([
      { type: "h", level: 1, children: [{ type: "text", text: "Plan" }] },
      {
        type: "ul",
        items: [
          [{ type: "text", text: "one" }],
          [{ type: "strong", children: [{ type: "text", text: "two" }] }],
        ],
      },
      { type: "ol", start: 1, items: [[{ type: "text", text: "a" }], [{ type: "text", text: "b" }]] },
      {
        type: "p",
        children: [{ type: "text", text: "line 1" }, { type: "br" }, { type: "text", text: "line 2" }],
      },
    ]);
  });

  it("bounds nesting, so that a hostile note cannot blow the stack", () => {
    const deep = "**_".repeat(2_000) + "x" + "_**".repeat(2_000);
    expect(() => parseMarkdown(deep)).not.toThrow();
  });

  it("keeps a long line of unmatched markers as text", () => {
    const line = "**x ".repeat(5_000);
    expect(parseInline(line)).toEqual([{ type: "text", text: line }]);
  });
});

describe("markdownToPlainText", () => {
  it("gives what a reader sees, on one line, without markup or link targets", () => {
    expect(markdownToPlainText("…ask **@bob** about _the [report](https://x.example/r)_ `now`")).toBe(
      "…ask @bob about the report now",
    );
    expect(markdownToPlainText("## Plan\n- one\n- two @alice\n\nend")).toBe("Plan one; two @alice end");
    expect(markdownToPlainText("plain text stays")).toBe("plain text stays");
  });
});
