"use client";

import { StatusPill, type PillTone } from "@/components/ui/StatusPill";
import type { FeedStatus } from "./useAdminFeed";

const LOOK: Record<FeedStatus, { label: string; tone: PillTone }> = {
  live: { label: "Live", tone: "success" },
  connecting: { label: "Connecting", tone: "neutral" },
  reconnecting: { label: "Reconnecting", tone: "warning" },
  refused: { label: "Refused", tone: "danger" },
};

/** Whether the panel's numbers are live; anything else says why. */
export function FeedStatusPill({ status, detail }: { status: FeedStatus; detail?: string }) {
  const look = LOOK[status];
  const busy = status === "connecting" || status === "reconnecting";
  return (
    <StatusPill
      role="status"
      data-testid="admin-feed-status"
      data-status={status}
      title={detail}
      tone={look.tone}
      size="md"
      mark={busy ? "busy" : status === "live" ? "pulse" : "dot"}
    >
      {look.label}
      {detail && status !== "live" ? <span className="font-normal">: {detail}</span> : null}
    </StatusPill>
  );
}
