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

export function parseInline(s: string, depth = 0): Inline[] {
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
