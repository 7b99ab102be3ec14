"use client";

import { StatusPill, type PillTone } from "@/components/ui/StatusPill";
import { useRealtime } from "./SocketProvider";
import type { ConnectionStatus as Status } from "@/lib/client/connection-state";

const LOOK: Record<Status, { label: string; tone: PillTone; mark: "dot" | "pulse" }> = {
  connecting: { label: "connecting", tone: "warning", mark: "pulse" },
  connected: { label: "connected", tone: "success", mark: "dot" },
  reconnecting: { label: "reconnecting", tone: "warning", mark: "pulse" },
  offline: { label: "offline", tone: "muted", mark: "dot" },
  limited: { label: "too many sessions", tone: "danger", mark: "dot" },
  unauthorized: { label: "signed out", tone: "danger", mark: "dot" },
  unsupported: { label: "reload needed", tone: "danger", mark: "dot" },
};

/** The connection pill. `data-status` is what tests read; the text is what people and screen readers read. */
export function ConnectionStatus() {
  const { state, info, reconnect } = useRealtime();
  const look = LOOK[state.status];
  const title = info
    ? `Connected to ${info.instanceId}`
    : state.detail
      ? `Last problem: ${state.detail}`
      : undefined;
  return (
    <div className="flex items-center gap-2">
      <StatusPill
        role="status"
        aria-live="polite"
        data-testid="connection-status"
        data-status={state.status}
        title={title}
        tone={look.tone}
        size="sm"
        mark={look.mark}
      >
        {look.label}
        {state.status === "reconnecting" && state.attempt > 1 ? ` (try ${state.attempt})` : null}
      </StatusPill>
      {state.status === "offline" ? (
        <button
          type="button"
          onClick={reconnect}
          className="text-xs font-medium text-indigo-700 underline hover:text-indigo-900"
        >
          Reconnect
        </button>
      ) : null}
    </div>
  );
}
