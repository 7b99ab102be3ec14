"use client";

import { button, card } from "@/components/ui/styles";
import { useRealtime } from "./SocketProvider";

/** After the user closed this tab's session from elsewhere, it stays offline until they choose otherwise. */
export function SessionClosedBanner() {
  const { state, lastNotice, reconnect } = useRealtime();
  if (state.status !== "offline" || lastNotice?.kind !== "session-closed") return null;
  return (
    <section
      role="status"
      data-testid="session-closed"
      className={`${card} mb-6 flex flex-wrap items-center gap-3 p-4 text-sm`}
    >
      <p className="flex-1 text-slate-700">{lastNotice.message} This tab is not live.</p>
      <button type="button" onClick={reconnect} className={button("primary", "sm")}>
        Reconnect this tab
      </button>
    </section>
  );
}
