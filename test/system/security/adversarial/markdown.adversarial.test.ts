import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseMarkdown, safeHref, type Block, type Inline } from "@/lib/client/markdown";
import { NOTE_LIMITS } from "@/lib/boards/widgets/note";

const N = NOTE_LIMITS.text;

/** Notes of `n` characters that made the old regular expressions backtrack, or that stress every delimiter. */
function worstCases(n: number): Record<string, string> {
  const fill = (unit: string) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
  return {
    "[ x n": fill("["),
    "[]( repeated": fill("[]("),
    "[a]( repeated": fill("[a]("),
    "[x]( repeated": fill("[x]("),
    "[a]( then x": `[a](${fill("x")}`.slice(0, n),
    "[ then text then ](": `[${fill("x")}`.slice(0, n - 2) + "](",
    "nested brackets": fill("[[[[a](b)"),
    "deep nesting": fill("[**_`"),
    "* x n": fill("*"),
    "_ x n": fill("_"),
    "**a repeated": fill("**a "),
    "*a repeated": fill("*a "),
    "_a repeated": fill("_a "),
    "` x n": fill("`"),
    "`a repeated": fill("`a "),
    "long URL": `https://${fill("a/")}`.slice(0, n),
    "URL then dots": fill("http://."),
    mentions: fill("@a"),
    "bullet, spaces, U+2028": `- ${" ".repeat(n - 5)}x\u2028y`,
    "heading, spaces, U+2028": `# ${" ".repeat(n - 5)}x\u2028y`,
    "ordered, spaces, U+2028": `1. ${" ".repeat(n - 6)}x\u2028y`,
    "many short lines": fill("[a](\n"),
  };
}
const WORST = worstCases(N);

/** Best of `runs`: the parse's own cost, robust to a busy machine that preempts one run. */
function bestMs(text: string, runs = 7): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    parseMarkdown(text);
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

describe("note markdown against adversarial notes", () => {
  // A parse that backtracks costs the square of the length or worse: ten times the text, a hundred times the
  // time. A linear one costs ten times. Both sizes are timed on the same machine at the same moment, so a busy
  // machine slows both, and the ratio stays a property of the parser, not of the machine.
  it("parses every worst case in time linear in its length (20,000 characters against 2,000)", () => {
    const small = worstCases(N / 10);
    const lines: string[] = [];
    const superlinear: string[] = [];
    for (const [name, text] of Object.entries(WORST)) {
      expect(text.length).toBeLessThanOrEqual(N);
      // Warm up, so that the first size timed does not pay for compiling the parser.
      bestMs(small[name]!, 3);
      const [smallMs, bigMs] = [bestMs(small[name]!), bestMs(text)];
      // Below 10 µs the timer's resolution dominates.
      const ratio = bigMs / Math.max(smallMs, 0.01);
      lines.push(
        `${name.padEnd(26)} ${bigMs.toFixed(2)} ms, ${ratio.toFixed(1)}x the time for 2,000 characters`,
      );
      if (bigMs >= 1 && ratio > 40) superlinear.push(`${name}: ${ratio.toFixed(0)}x`);
    }
    console.log(`parseMarkdown, ${N} characters, best of 7:\n${lines.join("\n")}`);
    expect(superlinear).toEqual([]);
  });

  it("gives the same tree as the regular-expression definition on the worst cases", () => {
    for (const text of Object.values(WORST))
      expect(parseMarkdown(text)).toEqual(referenceParseMarkdown(text));
  }, 120_000);

  it("gives the same tree as the regular-expression definition on random notes", () => {
    const piece = fc.constantFrom(
      "[",
      "]",
      "(",
      ")",
      "*",
      "**",
      "_",
      "`",
      " ",
      "a",
      "b1",
      "\n",
      "\r\n",
      "\u2028",
      "\t",
      "h",
      "https://x.io/a.",
      "/p",
      "javascript:x",
      "@bob",
      "@",
      "#",
      "## ",
      "- ",
      "1. ",
      ".",
      ",",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const text = parts.join("");
        expect(parseMarkdown(text)).toEqual(referenceParseMarkdown(text));
      }),
      { numRuns: 3_000 },
    );
  });
});

// The parser as it was, one regular expression per construct: the definition the linear parser must agree with.
// (Quadratic on some inputs; used here on short ones and on the worst cases once.)
const MAX_DEPTH = 4;
const CODE = /`([^`\n]+)`/y;
const LINK = /\[([^\]\n]+)\]\(([^)\s]+)\)/y;
const STRONG = /\*\*(?=\S)(.*?\S)\*\*/y;
const EM_STAR = /\*(?=[^\s*])([^*]*?[^\s*])\*/y;
const EM_UNDERSCORE = /_(?=[^\s_])([^_]*?[^\s_])_(?![A-Za-z0-9])/y;
const MENTION = /@([a-z0-9][a-z0-9_-]{1,31})\b/iy;
const URL = /https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"]/y;

function at(re: RegExp, s: string, i: number): RegExpExecArray | null {
  re.lastIndex = i;
  return re.exec(s);
}

const isWordChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);

function parseInline(s: string, depth = 0): Inline[] {
  const out: Inline[] = [];
  let text = "";
  // Once "**" finds no closer, none later on the line can: skip the search, keeping long lines linear.
  let strongDead = false;
  const nest = depth < MAX_DEPTH;

  const matchAt = (i: number): [Inline, number] | null => {
    const c = s[i];
    const prev = s[i - 1];
    let m: RegExpExecArray | null;
    switch (c) {
      case "`":
        return (m = at(CODE, s, i)) ? [{ type: "code", text: m[1]! }, m[0].length] : null;
      case "[": {
        m = at(LINK, s, i);
        const href = m ? safeHref(m[2]!) : undefined;
        return m && href
          ? [{ type: "link", href, children: parseInline(m[1]!, depth + 1) }, m[0].length]
          : null;
      }
      case "*":
        if (!nest) return null;
        if (s[i + 1] === "*" && !strongDead) {
          if ((m = at(STRONG, s, i)))
            return [{ type: "strong", children: parseInline(m[1]!, depth + 1) }, m[0].length];
          if (/\S/.test(s[i + 2] ?? "")) strongDead = true;
        }
        return (m = at(EM_STAR, s, i))
          ? [{ type: "em", children: parseInline(m[1]!, depth + 1) }, m[0].length]
          : null;
      case "_":
        return nest && !isWordChar(prev) && (m = at(EM_UNDERSCORE, s, i))
          ? [{ type: "em", children: parseInline(m[1]!, depth + 1) }, m[0].length]
          : null;
      case "@":
        return !isWordChar(prev) && prev !== "@" && (m = at(MENTION, s, i))
          ? [{ type: "mention", name: m[1]!.toLowerCase() }, m[0].length]
          : null;
      case "h":
        return !isWordChar(prev) && (m = at(URL, s, i))
          ? [{ type: "link", href: m[0], children: [{ type: "text", text: m[0] }] }, m[0].length]
          : null;
      default:
        return null;
    }
  };

  let i = 0;
  while (i < s.length) {
    const found = matchAt(i);
    if (!found) {
      text += s[i++];
      continue;
    }
    if (text) out.push({ type: "text", text });
    text = "";
    out.push(found[0]);
    i += found[1];
  }
  if (text) out.push({ type: "text", text });
  return out;
}

const BULLET = /^\s*[-*]\s+(.*)$/;
const ORDERED = /^\s*(\d{1,9})[.)]\s+(.*)$/;
const HEADING = /^(#{1,3})\s+(.*)$/;

function referenceParseMarkdown(source: string): Block[] {
  const blocks: Block[] = [];
  let para: string[] = [];
  let list = null as { type: "ul" | "ol"; start: number; items: string[] } | null;
  const endPara = () => {
    if (para.length === 0) return;
    const children: Inline[] = [];
    para.forEach((line, n) => {
      if (n > 0) children.push({ type: "br" });
      children.push(...parseInline(line));
    });
    blocks.push({ type: "p", children });
    para = [];
  };
  const endList = () => {
    if (!list) return;
    const items = list.items.map((t) => parseInline(t));
    blocks.push(list.type === "ul" ? { type: "ul", items } : { type: "ol", start: list.start, items });
    list = null;
  };
  for (const line of source.replace(/\r\n?/g, "\n").split("\n")) {
    const bullet = BULLET.exec(line);
    const ordered = bullet ? null : ORDERED.exec(line);
    const heading = bullet || ordered ? null : HEADING.exec(line);
    if (bullet || ordered) {
      endPara();
      const type = bullet ? "ul" : "ol";
      if (list?.type !== type) {
        endList();
        list = { type, start: ordered ? Number(ordered[1]) : 1, items: [] };
      }
      list.items.push(bullet ? bullet[1]! : ordered![2]!);
    } else if (heading) {
      endPara();
      endList();
      const level = heading[1]!.length as 1 | 2 | 3;
      blocks.push({ type: "h", level, children: parseInline(heading[2]!) });
    } else if (line.trim() === "") {
      endPara();
      endList();
    } else {
      endList();
      para.push(line);
    }
  }
  endPara();
  endList();
  return blocks;
}
