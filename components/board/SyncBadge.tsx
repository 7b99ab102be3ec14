"use client";

import { CheckCircle2, CloudOff, Loader2, RefreshCw } from "lucide-react";
import type { BoardSessionState } from "@/lib/client/board-session";

/** Whether this board's changes are saved, being sent, queued offline, or catching up. */
export function SyncBadge({ state }: { state: BoardSessionState }) {
  const { status, pending } = state;
  const n = `${pending} ${pending === 1 ? "change" : "changes"}`;
  let icon = <CheckCircle2 className="h-3.5 w-3.5 text-emerald-600" aria-hidden />;
  let text = "All changes saved";
  let tone = "text-slate-600";
  if (status === "offline") {
    icon = <CloudOff className="h-3.5 w-3.5" aria-hidden />;
    text =
      pending > 0 ? `Offline: ${n} will be sent when you reconnect` : "Offline: showing the last known board";
    tone = "text-slate-700 font-medium";
  } else if (status === "syncing" || status === "joining") {
    icon = <RefreshCw className="h-3.5 w-3.5 animate-spin" aria-hidden />;
    text = pending > 0 ? `Catching up, then sending ${n}…` : "Catching up…";
  } else if (pending > 0) {
    icon = <Loader2 className="h-3.5 w-3.5 animate-spin" aria-hidden />;
    text = `Saving ${n}…`;
  }
  return (
    <span
      role="status"
      data-testid="board-sync"
      data-status={status}
      data-pending={pending}
      className={`inline-flex items-center gap-1.5 text-xs ${tone}`}
    >
      {icon}
      {text}
    </span>
  );
}
