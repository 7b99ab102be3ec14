import { diffArrays } from "diff";

/**
 * The most tokens either edit may change for a merge to be tried (Myers' diff costs time in proportion to the
 * text times the size of the change). Larger rewrites get CONFLICT, as every concurrent edit did before merging.
 */
export const MERGE_MAX_EDIT = 400;

/** Words, runs of whitespace, and single other characters: the units two edits may change independently. */
function tokens(text: string): string[] {
  return text.match(/\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? [];
}

/** Base tokens [start, end) replaced by `insert`; start === end for a pure insertion. */
interface Hunk {
  start: number;
  end: number;
  insert: string[];
}

function hunksOf(base: string[], edited: string[], timeoutMs: number): Hunk[] | undefined {
  const changes = diffArrays(base, edited, { maxEditLength: MERGE_MAX_EDIT, timeout: timeoutMs });
  if (!changes) return undefined;
  const hunks: Hunk[] = [];
  let pos = 0;
  let open: Hunk | undefined;
  for (const c of changes) {
    if (!c.added && !c.removed) {
      if (open) hunks.push(open);
      open = undefined;
      pos += c.count;
      continue;
    }
    open ??= { start: pos, end: pos, insert: [] };
    if (c.removed) {
      pos += c.count;
      open.end = pos;
    } else open.insert.push(...c.value);
  }
  if (open) hunks.push(open);
  return hunks;
}

const same = (a: Hunk, b: Hunk) =>
  a.start === b.start && a.end === b.end && a.insert.join("") === b.insert.join("");

/** How many tokens all three share at the start, and then at the end. */
function commonEnds(o: string[], a: string[], b: string[]): [number, number] {
  const n = Math.min(o.length, a.length, b.length);
  let head = 0;
  while (head < n && o[head] === a[head] && o[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < n - head &&
    o[o.length - 1 - tail] === a[a.length - 1 - tail] &&
    o[o.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  return [head, tail];
}

/**
 * Three-way merge of two edits of the same text, word by word, as diff3 merges lines: `mine` and `theirs` both
 * started from `base`. Returns the text with both edits, or undefined when they touch the same words or insert at
 * the same place, which the caller turns into a visible conflict. Identical changes on both sides count once. Only
 * the part between what all three share at the start and at the end is diffed, within `timeoutMs`.
 */
export function mergeText(base: string, mine: string, theirs: string, timeoutMs = 20): string | undefined {
  if (mine === theirs || theirs === base) return mine;
  if (mine === base) return theirs;
  const [o, a, b] = [tokens(base), tokens(mine), tokens(theirs)];
  const [head, tail] = commonEnds(o, a, b);
  const middle = (t: string[]) => t.slice(head, t.length - tail);
  const om = middle(o);
  const ours = hunksOf(om, middle(a), timeoutMs);
  const their = ours && hunksOf(om, middle(b), timeoutMs);
  if (!ours || !their) return undefined;
  const all: Hunk[] = [...ours];
  for (const h of their) {
    if (ours.some((m) => same(m, h))) continue;
    // Closed intervals: edits that meet at a boundary are ambiguous in order, so they conflict too.
    if (ours.some((m) => m.start <= h.end && h.start <= m.end)) return undefined;
    all.push(h);
  }
  all.sort((x, y) => x.start - y.start);
  const out: string[] = o.slice(0, head);
  let pos = 0;
  for (const h of all) {
    out.push(...om.slice(pos, h.start), ...h.insert);
    pos = h.end;
  }
  out.push(...om.slice(pos), ...o.slice(o.length - tail));
  return out.join("");
}
