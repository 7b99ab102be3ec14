"use client";

import type { AdminView } from "@/lib/protocol/admin";
import { formatCompact, formatMs, formatRate } from "@/lib/format";

interface Tile {
  id: string;
  label: string;
  value: string;
  detail: string;
  tone?: "ok" | "warn" | "bad";
}

function tiles(view: AdminView | null): Tile[] {
  const c = view?.current;
  const live = view?.instances.filter((r) => r.state === "live" || r.state === "draining").length ?? 0;
  const gone = view?.instances.filter((r) => r.state === "gone").length ?? 0;
  const errors = c ? c.errorsWebsocket + c.errorsPolling : null;
  return [
    {
      id: "connections",
      label: "Connections",
      value: formatCompact(c?.connections),
      detail: c ? `${formatCompact(c.websocket)} WebSocket · ${formatCompact(c.polling)} polling` : "",
    },
    {
      id: "users",
      label: "Users online",
      value: c ? `${view?.usersExact ? "" : "≈ "}${formatCompact(c.users)}` : formatCompact(null),
      detail: "distinct, across instances",
    },
    {
      id: "messages",
      label: "Messages/s",
      value: c ? formatRate(c.eventsIn + c.eventsOut) : formatRate(null),
      detail: c ? `${formatRate(c.eventsIn)} in · ${formatRate(c.eventsOut)} out` : "",
    },
    {
      id: "latency",
      label: "Delivery p95",
      value: formatMs(c?.deliveryP95),
      detail: c?.deliveryCount
        ? `p50 ${formatMs(c.deliveryP50)} · p99 ${formatMs(c.deliveryP99)}`
        : "no samples in the window",
    },
    {
      id: "rtt",
      label: "Round trip p50",
      value: formatMs(c?.rttP50),
      detail: c?.rttP99 != null ? `p99 ${formatMs(c.rttP99)}` : "from sampled pings",
    },
    {
      id: "errors",
      label: "Errors/s",
      value: formatRate(errors),
      detail: c ? `${formatRate(c.rejections)} refused handshakes/s` : "",
      tone: errors ? "bad" : undefined,
    },
    {
      id: "instances",
      label: "Instances",
      value: view ? String(live) : formatCompact(null),
      detail: gone ? `${gone} gone` : "all reporting",
      tone: gone ? "warn" : undefined,
    },
    {
      id: "loop-lag",
      label: "Event-loop lag",
      value: formatMs(c?.loopLagMs),
      detail: "worst instance, p99",
      tone: c && c.loopLagMs > 100 ? "warn" : undefined,
    },
  ];
}

const TONE = {
  ok: "text-slate-900",
  warn: "text-amber-700",
  bad: "text-rose-700",
};

/** The numbers an admin looks at first; each tile is labelled for screen readers by its heading. */
export function KpiTiles({ view }: { view: AdminView | null }) {
  return (
    <ul className="grid grid-cols-2 gap-3 sm:grid-cols-4" aria-label="Key figures">
      {tiles(view).map((t) => (
        <li key={t.id} className="rounded-2xl bg-white p-4 shadow-sm ring-1 ring-slate-200">
          <p className="text-xs font-medium uppercase tracking-wide text-slate-500" id={`kpi-${t.id}-label`}>
            {t.label}
          </p>
          <p
            className={`mt-1 text-2xl font-semibold tabular-nums ${TONE[t.tone ?? "ok"]}`}
            aria-describedby={`kpi-${t.id}-label`}
            data-testid={`kpi-${t.id}`}
          >
            {t.value}
          </p>
          <p className="mt-0.5 truncate text-xs text-slate-500">{t.detail}</p>
        </li>
      ))}
    </ul>
  );
}
