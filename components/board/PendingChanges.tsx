"use client";

import { HardDrive } from "lucide-react";
import type { BoardSessionState } from "@/lib/client/board-session";

/**
 * How many of the user's changes wait to be sent, while the board is not live (offline, or catching up after a
 * reconnect or a reload). Kept on this device, they are sent once the board is back; closing the tab keeps them.
 */
export function PendingChanges({ state }: { state: BoardSessionState }) {
  const { status, pending, pendingSaved } = state;
  if (pending === 0 || status === "live") return null;
  const n = `${pending} ${pending === 1 ? "change" : "changes"}`;
  return (
    <span
      data-testid="pending-changes"
      data-count={pending}
      data-saved={pendingSaved}
      title={
        pendingSaved
          ? "Kept on this device: sent when the board is back online, even after closing this tab."
          : "Sent when the board is back online. Keep this tab open until then."
      }
      className="inline-flex items-center gap-1 rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900 ring-1 ring-amber-300"
    >
      <HardDrive className="h-3.5 w-3.5" aria-hidden />
      {n} waiting
    </span>
  );
}
