"use client";

import { useRealtime } from "./SocketProvider";

/** After the user closed this tab's session from elsewhere, it stays offline until they choose otherwise. */
export function SessionClosedBanner() {
  const { state, lastNotice, reconnect } = useRealtime();
  if (state.status !== "offline" || lastNotice?.kind !== "session-closed") return null;
  return (
    <section
      role="status"
      data-testid="session-closed"
      className="mb-6 flex flex-wrap items-center gap-3 rounded-2xl bg-white p-4 text-sm shadow-sm ring-1 ring-slate-200"
    >
      <p className="flex-1 text-slate-700">{lastNotice.message} This tab is not live.</p>
      <button
        type="button"
        onClick={reconnect}
        className="rounded-lg bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-700"
      >
        Reconnect this tab
      </button>
    </section>
  );
}
