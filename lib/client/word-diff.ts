import { diffWordsWithSpace } from "diff";

/** A run of text, and whether it differs from the other version. */
export interface DiffSegment {
  text: string;
  changed: boolean;
}

/** Past this many word edits the versions are shown without highlights: they differ nearly everywhere. */
const MAX_EDITS = 400;

/**
 * Two versions of one text, each cut into runs with the words that differ from the other marked: the words only
 * theirs has in `theirs`, the words only mine has in `mine`. Both are the whole of their text, in order.
 */
export function wordDiff(theirs: string, mine: string): { theirs: DiffSegment[]; mine: DiffSegment[] } {
  const changes = diffWordsWithSpace(theirs, mine, { maxEditLength: MAX_EDITS });
  if (!changes) return { theirs: [{ text: theirs, changed: false }], mine: [{ text: mine, changed: false }] };
  const out = { theirs: [] as DiffSegment[], mine: [] as DiffSegment[] };
  const push = (into: DiffSegment[], text: string, changed: boolean) => {
    const last = into[into.length - 1];
    if (last && last.changed === changed) last.text += text;
    else if (text) into.push({ text, changed });
  };
  for (const c of changes) {
    if (!c.added) push(out.theirs, c.value, c.removed);
    if (!c.removed) push(out.mine, c.value, c.added);
  }
  return out;
}
