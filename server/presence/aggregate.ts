import type { PresenceViewer } from "@/lib/protocol/boards";
import type { PresenceEntry } from "./store";

/** One row per user, sorted by name: what the avatars show. */
export function aggregateViewers(entries: PresenceEntry[]): PresenceViewer[] {
  const byUser = new Map<string, PresenceViewer>();
  for (const e of entries) {
    const v = byUser.get(e.user) ?? { user: e.user, connections: 0, editing: [] };
    v.connections++;
    if (e.editing && !v.editing.includes(e.editing)) v.editing.push(e.editing);
    byUser.set(e.user, v);
  }
  return [...byUser.values()]
    .sort((a, b) => a.user.localeCompare(b.user))
    .map((v) => ({ ...v, editing: v.editing.sort() }));
}
