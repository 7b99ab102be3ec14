"use client";

import { Pencil } from "lucide-react";
import type { PresenceViewer } from "@/lib/protocol/boards";
import { Avatar } from "@/components/ui/Avatar";

const MAX_SHOWN = 5;

/** Who is viewing the board now, with a pencil on those editing a widget. */
export function PresenceAvatars({ viewers, me }: { viewers: PresenceViewer[]; me: string | null }) {
  const sorted = [...viewers].sort((a, b) =>
    a.user === me ? -1 : b.user === me ? 1 : a.user.localeCompare(b.user),
  );
  const shown = sorted.slice(0, MAX_SHOWN);
  const more = sorted.length - shown.length;
  const names = sorted.map((v) => (v.user === me ? `${v.user} (you)` : v.user)).join(", ");
  return (
    <div
      className="flex items-center"
      data-testid="presence"
      aria-label={`Viewing now: ${names}`}
      role="group"
    >
      <ul className="flex -space-x-2">
        {shown.map((v) => {
          const editing = v.editing.length > 0;
          return (
            <li
              key={v.user}
              className="relative"
              data-testid={`presence-${v.user}`}
              data-editing={editing ? "true" : "false"}
              title={`${v.user}${v.user === me ? " (you)" : ""}${editing ? ", editing" : ", viewing"}`}
            >
              <Avatar name={v.user} className="ring-2 ring-white" />
              {editing ? (
                <span className="absolute -right-1 -bottom-1 flex h-4 w-4 items-center justify-center rounded-full bg-amber-400 ring-2 ring-white">
                  <Pencil className="h-2.5 w-2.5 text-amber-950" aria-hidden />
                </span>
              ) : null}
              <span className="sr-only">
                {v.user}
                {editing ? " (editing)" : ""}
              </span>
            </li>
          );
        })}
      </ul>
      {more > 0 ? <span className="ml-1 text-xs font-medium text-slate-500">+{more}</span> : null}
    </div>
  );
}
