/**
 * A small, safe subset of Markdown for notes, parsed into a tree that the UI turns into React elements. Nothing
 * here produces HTML: text stays text whatever it contains, and only links with a safe target become links.
 *
 * Blocks: paragraphs (single line breaks kept), `- ` / `* ` lists, `1. ` lists, `#`/`##`/`###` headings.
 * Inline: **bold**, _italic_ or *italic*, `code`, [text](url), bare http(s) URLs, @mentions.
 */
import { safeHref } from "./safe-url";

export { safeHref };

export type Inline =
  | { type: "text"; text: string }
  | { type: "strong"; children: Inline[] }
  | { type: "em"; children: Inline[] }
  | { type: "code"; text: string }
  | { type: "link"; href: string; children: Inline[] }
  | { type: "mention"; name: string }
  | { type: "br" };

export type Block =
  | { type: "p"; children: Inline[] }
  | { type: "h"; level: 1 | 2 | 3; children: Inline[] }
  | { type: "ul"; items: Inline[][] }
  | { type: "ol"; start: number; items: Inline[][] };

const MAX_DEPTH = 4;

// Parsing is linear in the length of the note: every search for a closing delimiter goes through `Scanner.next`,
// which remembers its last answer, so a note of 20,000 unclosed `[` costs one scan, not 20,000. The result is
// the same as the regular expressions given beside each construct, matched at the opening character.
const MENTION = /@([a-z0-9][a-z0-9_-]{1,31})\b/iy;
const URL = /https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"]/y;
const SPACE = /\s/;
const SPACE_G = /\s/g;
/** What `.` does not match. */
const TERMINATOR_G = /[\n\r\u2028\u2029]/g;

function at(re: RegExp, s: string, i: number): RegExpExecArray | null {
  re.lastIndex = i;
  return re.exec(s);
}

const isWordChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);
const isSpace = (c: string | undefined) => c !== undefined && SPACE.test(c);

const TICK = 0;
const CLOSE = 1;
const PAREN = 2;
const STAR = 3;
const UNDERSCORE = 4;
const NEWLINE = 5;
const WHITESPACE = 6;
const TERMINATOR = 7;
/** "**" after a non-space: where a strong run can close. */
const STRONG_CLOSER = 8;
type Scan = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;
const NEEDLE = ["`", "]", ")", "*", "_", "\n"];

function scan(s: string, what: Scan, from: number): number {
  switch (what) {
    case WHITESPACE:
    case TERMINATOR: {
      const re = what === WHITESPACE ? SPACE_G : TERMINATOR_G;
      re.lastIndex = from;
      return re.exec(s)?.index ?? -1;
    }
    case STRONG_CLOSER: {
      let k = s.indexOf("**", from);
      while (k !== -1 && isSpace(s[k - 1])) k = s.indexOf("**", k + 1);
      return k;
    }
    default:
      return s.indexOf(NEEDLE[what]!, from);
  }
}

/**
 * The first index at or after `from` of each thing the parser looks for (-1: none), remembered: the parser asks
 * with `from` never decreasing, so each search resumes past the previous answer and the line is scanned about
 * once per kind of delimiter.
 */
class Scanner {
  private readonly lastFrom = [
    Infinity,
    Infinity,
    Infinity,
    Infinity,
    Infinity,
    Infinity,
    Infinity,
    Infinity,
    Infinity,
  ];
  private readonly found = [-1, -1, -1, -1, -1, -1, -1, -1, -1];
  constructor(private readonly s: string) {}

  next(what: Scan, from: number): number {
    const found = this.found[what]!;
    if (from >= this.lastFrom[what]! && (found === -1 || found >= from)) return found;
    this.lastFrom[what] = from;
    return (this.found[what] = scan(this.s, what, from));
  }

  /** Whether `what` occurs from `from` on, before `limit`. */
  before(what: Scan, from: number, limit: number): boolean {
    const k = this.next(what, from);
    return k !== -1 && k < limit;
  }
}

export function parseInline(s: string, depth = 0): Inline[] {
  const out: Inline[] = [];
  const scanner = new Scanner(s);
  // Once "**" finds no closer, none later on the line can: skip the search.
  let strongDead = false;
  const nest = depth < MAX_DEPTH;

  const matchAt = (i: number): [Inline, number] | null => {
    const c = s[i];
    const prev = s[i - 1];
    let m: RegExpExecArray | null;
    switch (c) {
      case "`": {
        // /`([^`\n]+)`/
        const k = scanner.next(TICK, i + 1);
        if (k <= i + 1 || scanner.before(NEWLINE, i + 1, k)) return null;
        return [{ type: "code", text: s.slice(i + 1, k) }, k + 1 - i];
      }
      case "[": {
        // /\[([^\]\n]+)\]\(([^)\s]+)\)/
        const j = scanner.next(CLOSE, i + 1);
        if (j <= i + 1 || scanner.before(NEWLINE, i + 1, j) || s[j + 1] !== "(") return null;
        const k = scanner.next(PAREN, j + 2);
        if (k <= j + 2 || scanner.before(WHITESPACE, j + 2, k)) return null;
        const href = safeHref(s.slice(j + 2, k));
        return href
          ? [{ type: "link", href, children: parseInline(s.slice(i + 1, j), depth + 1) }, k + 1 - i]
          : null;
      }
      case "*": {
        if (!nest) return null;
        // /\*\*(?=\S)(.*?\S)\*\*/
        if (s[i + 1] === "*" && !strongDead && s[i + 2] !== undefined && !isSpace(s[i + 2])) {
          const k = scanner.next(STRONG_CLOSER, i + 3);
          if (k !== -1 && !scanner.before(TERMINATOR, i + 2, k))
            return [{ type: "strong", children: parseInline(s.slice(i + 2, k), depth + 1) }, k + 2 - i];
          strongDead = true;
        }
        // /\*(?=[^\s*])([^*]*?[^\s*])\*/
        const first = s[i + 1];
        if (first === undefined || first === "*" || isSpace(first)) return null;
        const k = scanner.next(STAR, i + 1);
        if (k === -1 || isSpace(s[k - 1])) return null;
        return [{ type: "em", children: parseInline(s.slice(i + 1, k), depth + 1) }, k + 1 - i];
      }
      case "_": {
        // /_(?=[^\s_])([^_]*?[^\s_])_(?![A-Za-z0-9])/, not inside a word
        if (!nest || isWordChar(prev)) return null;
        const first = s[i + 1];
        if (first === undefined || first === "_" || isSpace(first)) return null;
        const k = scanner.next(UNDERSCORE, i + 1);
        if (k === -1 || isSpace(s[k - 1]) || /[A-Za-z0-9]/.test(s[k + 1] ?? "")) return null;
        return [{ type: "em", children: parseInline(s.slice(i + 1, k), depth + 1) }, k + 1 - i];
      }
      case "@":
        // At most 33 characters: no search.
        return !isWordChar(prev) && prev !== "@" && (m = at(MENTION, s, i))
          ? [{ type: "mention", name: m[1]!.toLowerCase() }, m[0].length]
          : null;
      case "h":
        // Scans the run of URL characters and consumes it, unless the run holds no valid last character, in which
        // case it holds no other "http" either: every character is looked at a bounded number of times.
        return !isWordChar(prev) && (m = at(URL, s, i))
          ? [{ type: "link", href: m[0], children: [{ type: "text", text: m[0] }] }, m[0].length]
          : null;
      default:
        return null;
    }
  };

  let i = 0;
  let textStart = 0;
  while (i < s.length) {
    const found = matchAt(i);
    if (!found) {
      i++;
      continue;
    }
    if (i > textStart) out.push({ type: "text", text: s.slice(textStart, i) });
    out.push(found[0]);
    i += found[1];
    textStart = i;
  }
  if (textStart < s.length) out.push({ type: "text", text: s.slice(textStart) });
  return out;
}

// Block markers, matched without a trailing `(.*)$`: `.` stops at U+2028/U+2029, and backtracking over a long run
// of spaces before one was quadratic. The rest of the line must hold no line terminator, as `.*$` required.
const BULLET = /^\s*[-*]\s+/;
const ORDERED = /^\s*(\d{1,9})[.)]\s+/;
const HEADING = /^(#{1,3})\s+/;
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/** `re` at the start of `line`, with the rest of the line (what `(.*)$` captured) as the last group. */
function lineMarker(re: RegExp, line: string): string[] | null {
  const m = re.exec(line);
  if (!m) return null;
  const rest = line.slice(m[0].length);
  return LINE_TERMINATOR.test(rest) ? null : [...m, rest];
}

export function parseMarkdown(source: string): Block[] {
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
    const bullet = lineMarker(BULLET, line);
    const ordered = bullet ? null : lineMarker(ORDERED, line);
    const heading = bullet || ordered ? null : lineMarker(HEADING, line);
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

function inlineText(nodes: Inline[]): string {
  return nodes
    .map((n) => {
      switch (n.type) {
        case "text":
        case "code":
          return n.text;
        case "mention":
          return `@${n.name}`;
        case "br":
          return " ";
        default:
          return inlineText(n.children);
      }
    })
    .join("");
}

/**
 * A note's Markdown as one line of plain text, for places that show an excerpt (a notification): what a reader
 * sees, without `**`, `_`, `#` or link targets.
 */
export function markdownToPlainText(source: string): string {
  return parseMarkdown(source)
    .map((b) =>
      b.type === "p" || b.type === "h" ? inlineText(b.children) : b.items.map(inlineText).join("; "),
    )
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
}
