"use client";

import type { InstanceRow, InstanceState } from "@/lib/protocol/admin";
import { fmtAgo, fmtBytes, fmtCount, fmtDuration, fmtMs, fmtRate } from "./format";
import { TableNotice } from "./TableNotice";

const STATE: Record<InstanceState, { label: string; className: string; hint: string }> = {
  live: {
    label: "Live",
    className: "bg-emerald-50 text-emerald-700 ring-emerald-200",
    hint: "reporting every second",
  },
  draining: {
    label: "Draining",
    className: "bg-amber-50 text-amber-800 ring-amber-200",
    hint: "shutting down, moving clients elsewhere",
  },
  stopped: {
    label: "Stopped",
    className: "bg-slate-100 text-slate-600 ring-slate-200",
    hint: "shut down cleanly",
  },
  gone: {
    label: "Gone",
    className: "bg-rose-50 text-rose-700 ring-rose-200",
    hint: "stopped reporting without shutting down; probably crashed",
  },
};

/** One row per instance, including the ones that went away, until they age out after ten minutes. */
export function InstancesTable({ rows, now }: { rows: InstanceRow[]; now: number }) {
  return (
    <section
      id="instances"
      className="scroll-mt-24 rounded-2xl bg-white shadow-sm ring-1 ring-slate-200"
      aria-labelledby="instances-title"
    >
      <div className="flex items-baseline justify-between gap-4 px-4 pt-4">
        <h2 id="instances-title" className="text-sm font-medium text-slate-900">
          Instances
        </h2>
        <p className="text-xs text-slate-500">Gone and stopped instances stay listed for 10 minutes.</p>
      </div>
      <div className="mt-2 overflow-x-auto">
        <table className="w-full min-w-[56rem] text-left text-sm" data-testid="instances-table">
          <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium">
                Instance
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                State
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Uptime
              </th>
              <th scope="col" className="px-3 py-2 text-right font-medium">
                Connections
              </th>
              <th scope="col" className="px-3 py-2 text-right font-medium">
                Users
              </th>
              <th scope="col" className="px-3 py-2 text-right font-medium">
                Msg/s in · out
              </th>
              <th scope="col" className="px-3 py-2 text-right font-medium">
                Loop lag
              </th>
              <th scope="col" className="px-3 py-2 text-right font-medium">
                Memory
              </th>
              <th scope="col" className="px-3 py-2 text-right font-medium">
                CPU
              </th>
              <th scope="col" className="px-4 py-2 font-medium">
                Last heartbeat
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.length === 0 ? (
              <TableNotice columns={10}>Waiting for the first heartbeat…</TableNotice>
            ) : null}
            {rows.map((r) => {
              const state = STATE[r.state];
              const away = r.state === "gone" || r.state === "stopped";
              return (
                <tr
                  key={r.id}
                  data-testid={`instance-${r.id}`}
                  data-state={r.state}
                  className={away ? "text-slate-500" : ""}
                >
                  <th scope="row" className="whitespace-nowrap px-4 py-2 font-medium text-slate-900">
                    {r.id}
                    <span className="ml-2 text-xs font-normal text-slate-500">{r.mode}</span>
                  </th>
                  <td className="px-3 py-2">
                    <span
                      className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${state.className}`}
                      title={state.hint}
                    >
                      {state.label}
                    </span>
                  </td>
                  <td className="px-3 py-2 tabular-nums">{away ? "—" : fmtDuration(r.uptimeMs)}</td>
                  <td
                    className="px-3 py-2 text-right tabular-nums"
                    data-testid={`instance-${r.id}-connections`}
                    data-count={r.connections.total}
                  >
                    {fmtCount(r.connections.total)}
                    <span className="ml-1 text-xs text-slate-500">
                      ({fmtCount(r.connections.websocket)} ws · {fmtCount(r.connections.polling)} poll)
                    </span>
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">{fmtCount(r.users)}</td>
                  <td className="px-3 py-2 text-right tabular-nums">
                    {fmtRate(r.eventsInPerSec)} · {fmtRate(r.eventsOutPerSec)}
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">{fmtMs(r.loopLagMs)}</td>
                  <td
                    className="px-3 py-2 text-right tabular-nums"
                    title={`heap ${fmtBytes(r.heapUsedBytes)}`}
                  >
                    {fmtBytes(r.rssBytes)}
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">{Math.round(r.cpuPercent)} %</td>
                  <td className="px-4 py-2 tabular-nums">
                    <time
                      dateTime={new Date(r.lastHeartbeat).toISOString()}
                      title={new Date(r.lastHeartbeat).toLocaleString()}
                    >
                      {fmtAgo(Math.max(0, now - r.lastHeartbeat))}
                    </time>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
