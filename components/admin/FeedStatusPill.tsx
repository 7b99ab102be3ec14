"use client";

import { Loader2 } from "lucide-react";
import type { FeedStatus } from "./useAdminFeed";

const LOOK: Record<FeedStatus, { label: string; className: string; dot: string }> = {
  live: {
    label: "Live",
    className: "bg-emerald-50 text-emerald-700 ring-emerald-200",
    dot: "bg-emerald-500",
  },
  connecting: { label: "Connecting", className: "bg-slate-50 text-slate-700 ring-slate-200", dot: "" },
  reconnecting: { label: "Reconnecting", className: "bg-amber-50 text-amber-800 ring-amber-200", dot: "" },
  refused: { label: "Refused", className: "bg-rose-50 text-rose-700 ring-rose-200", dot: "bg-rose-500" },
};

/** Whether the panel's numbers are live; anything else says why. */
export function FeedStatusPill({ status, detail }: { status: FeedStatus; detail?: string }) {
  const look = LOOK[status];
  const busy = status === "connecting" || status === "reconnecting";
  return (
    <p
      role="status"
      data-testid="admin-feed-status"
      data-status={status}
      title={detail}
      className={`inline-flex items-center gap-2 rounded-full px-3 py-1 text-sm font-medium ring-1 ${look.className}`}
    >
      {busy ? (
        <Loader2 className="h-3.5 w-3.5 animate-spin" aria-hidden />
      ) : (
        <span
          aria-hidden
          className={`h-2 w-2 rounded-full ${look.dot} ${status === "live" ? "animate-pulse" : ""}`}
        />
      )}
      {look.label}
      {detail && status !== "live" ? <span className="font-normal">: {detail}</span> : null}
    </p>
  );
}
