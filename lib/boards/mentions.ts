/** `@name` mentions in note text, as user names (lowercase). */
export function mentionsIn(text: string): Set<string> {
  const found = new Set<string>();
  for (const m of text.matchAll(/(?:^|[^\w@])@([a-z0-9][a-z0-9_-]{1,31})\b/gi))
    found.add(m[1]!.toLowerCase());
  return found;
}

/** Names mentioned in `next` that were not mentioned in `previous`: each is notified once per new mention. */
export function newMentions(previous: string, next: string): string[] {
  const before = mentionsIn(previous);
  return [...mentionsIn(next)].filter((n) => !before.has(n));
}
