"use client";

import { useRealtime } from "./SocketProvider";
import type { ConnectionStatus as Status } from "@/lib/client/connection-state";

const LOOK: Record<Status, { label: string; dot: string; ring: string }> = {
  connecting: {
    label: "connecting",
    dot: "bg-amber-400 animate-pulse",
    ring: "ring-amber-300 text-amber-900 bg-amber-50",
  },
  connected: {
    label: "connected",
    dot: "bg-emerald-500",
    ring: "ring-emerald-300 text-emerald-900 bg-emerald-50",
  },
  reconnecting: {
    label: "reconnecting",
    dot: "bg-amber-500 animate-pulse",
    ring: "ring-amber-300 text-amber-900 bg-amber-50",
  },
  offline: { label: "offline", dot: "bg-slate-400", ring: "ring-slate-300 text-slate-700 bg-slate-100" },
  limited: { label: "too many sessions", dot: "bg-rose-500", ring: "ring-rose-300 text-rose-900 bg-rose-50" },
  unauthorized: { label: "signed out", dot: "bg-rose-500", ring: "ring-rose-300 text-rose-900 bg-rose-50" },
  unsupported: { label: "reload needed", dot: "bg-rose-500", ring: "ring-rose-300 text-rose-900 bg-rose-50" },
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
      <span
        role="status"
        aria-live="polite"
        data-testid="connection-status"
        data-status={state.status}
        title={title}
        className={`inline-flex items-center gap-2 rounded-full px-3 py-1 text-xs font-medium ring-1 ${look.ring}`}
      >
        <span aria-hidden className={`h-2 w-2 rounded-full ${look.dot}`} />
        {look.label}
        {state.status === "reconnecting" && state.attempt > 1 ? ` (try ${state.attempt})` : null}
      </span>
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
