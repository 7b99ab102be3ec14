"use client";

import { Loader2, MonitorSmartphone, RefreshCw, X } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import type { SessionSummary } from "@/lib/protocol/sessions";
import { button } from "@/components/ui/styles";
import { formatAgo, formatSince } from "@/lib/format";
import { browserId } from "./browser-id";
import { useRealtime } from "./SocketProvider";
import { useSessions } from "./useSessions";

const places = (n: number) => `${n} ${n === 1 ? "place" : "places"}`;

/** Where a session is, in words: the board or page its tab last said it has open. */
function whereOf(s: SessionSummary): string | undefined {
  if (!s.page) return undefined;
  const { path, title } = s.page;
  if (path.startsWith("/boards/")) return title ? `board “${title}”` : "a board";
  const named: [string, string][] = [
    ["/admin", "the admin panel"],
    ["/tasks", "the tasks page"],
    ["/tokens", "the API tokens page"],
  ];
  const page = named.find(([prefix]) => path.startsWith(prefix));
  if (page) return page[1];
  return path === "/" ? "the home page" : title || path;
}

/** Shown while this tab is refused with CONNECTION_LIMIT; nothing otherwise. */
export function ConnectionLimitNotice() {
  const { state, reconnect } = useRealtime();
  if (state.status !== "limited") return null;
  const limit = Number(state.error?.limit);
  const active = Number(state.error?.active);
  return (
    <LimitPanel
      limit={Number.isFinite(limit) ? limit : undefined}
      active={Number.isFinite(active) ? active : undefined}
      refusal={state.error}
      reconnect={reconnect}
    />
  );
}

function LimitPanel(props: { limit?: number; active?: number; refusal: unknown; reconnect(): void }) {
  const { state, close } = useSessions();
  // Which session is being closed, for this refusal only: refused again (another tab took the freed slot
  // first), the buttons work again.
  const [closingFor, setClosingFor] = useState<{ id: string; refusal: unknown } | null>(null);
  const closing = closingFor && closingFor.refusal === props.refusal ? closingFor.id : null;
  const [error, setError] = useState<string | null>(null);
  const data = state.status === "ready" ? state.data : undefined;
  const limit = data?.limit ?? props.limit;
  const active = data?.active ?? props.active;
  const { reconnect } = props;
  const [thisBrowser] = useState(() => (typeof window === "undefined" ? "" : browserId()));

  // A session closed elsewhere (another tab shut) frees a slot: take it without waiting for a click.
  const retried = useRef<object | null>(null);
  useEffect(() => {
    if (data && data.active < data.limit && retried.current !== data) {
      retried.current = data;
      reconnect();
    }
  }, [data, reconnect]);

  async function closeSession(session: SessionSummary) {
    setClosingFor({ id: session.connectionId, refusal: props.refusal });
    setError(null);
    try {
      await close(session.connectionId);
      reconnect();
    } catch (err) {
      setError(`Could not close that session: ${(err as Error).message}`);
      setClosingFor(null);
    }
  }

  return (
    <section
      aria-labelledby="limit-title"
      data-testid="connection-limit"
      className="mb-6 rounded-2xl bg-white p-5 shadow-sm ring-1 ring-rose-200"
    >
      <div role="alert">
        <h2 id="limit-title" className="text-lg font-semibold text-slate-900">
          {active !== undefined && limit !== undefined
            ? `You are connected in ${places(active)}, the limit is ${limit}`
            : "You are connected in too many places"}
        </h2>
      </div>
      <p className="mt-1 text-sm text-slate-600">
        This tab is not live. Close one of your sessions below, or a tab you no longer need, and this tab
        connects at once.
      </p>

      {state.status === "loading" ? (
        <p className="mt-4 flex items-center gap-2 text-sm text-slate-600" aria-live="polite">
          <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> Loading your sessions…
        </p>
      ) : null}
      {state.status === "error" ? (
        <p role="alert" className="mt-4 text-sm text-rose-700">
          {state.message}
        </p>
      ) : null}
      {data ? (
        <ul
          className="mt-4 divide-y divide-slate-100 rounded-xl ring-1 ring-slate-200"
          aria-label="Your sessions"
        >
          {data.sessions.map((s) => (
            <li
              key={s.connectionId}
              data-testid="session-row"
              data-instance={s.instanceId}
              className="flex flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3"
            >
              <MonitorSmartphone className="h-5 w-5 shrink-0 text-slate-400" aria-hidden />
              <div className="min-w-0 flex-1">
                <p className="text-sm font-medium break-words text-slate-900" title={s.userAgent}>
                  {s.browserId && s.browserId === thisBrowser ? (
                    <span
                      className="mr-1.5 rounded-full bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-700"
                      data-testid="session-this-browser"
                    >
                      Another tab in this browser
                    </span>
                  ) : null}
                  {s.browser}
                </p>
                {whereOf(s) ? (
                  <p className="text-sm break-words text-slate-700" data-testid="session-page">
                    Has {whereOf(s)} open
                  </p>
                ) : null}
                <p className="text-xs text-slate-600">
                  {s.lastActiveAt ? (
                    <span data-testid="session-last-active">Last active {formatAgo(s.lastActiveAt)} · </span>
                  ) : null}
                  connected {formatSince(s.connectedAt)} on{" "}
                  <span className="font-medium">{s.instanceId}</span>
                  {s.transport !== "websocket" ? `, over ${s.transport}` : ""}
                  {s.ip ? `, from ${s.ip}` : ""}
                </p>
              </div>
              <button
                type="button"
                onClick={() => void closeSession(s)}
                disabled={closing !== null}
                aria-label={`Close the session of ${s.browser} on ${s.instanceId}`}
                className={button("dangerOutline", "sm")}
              >
                {closing === s.connectionId ? (
                  <Loader2 className="h-4 w-4 animate-spin" aria-hidden />
                ) : (
                  <X className="h-4 w-4" aria-hidden />
                )}
                {closing === s.connectionId ? "Closing…" : "Close"}
              </button>
            </li>
          ))}
          {data.sessions.length === 0 ? (
            <li className="px-4 py-3 text-sm text-slate-600">No open sessions any more; connecting…</li>
          ) : null}
        </ul>
      ) : null}

      {error ? (
        <p role="alert" className="mt-3 text-sm text-rose-700">
          {error}
        </p>
      ) : null}
      <button
        type="button"
        onClick={reconnect}
        className="mt-4 inline-flex items-center gap-1.5 text-sm font-medium text-indigo-700 hover:text-indigo-900"
      >
        <RefreshCw className="h-4 w-4" aria-hidden /> Try again
      </button>
    </section>
  );
}
