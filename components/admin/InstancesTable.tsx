"use client";

import type { InstanceRow, InstanceState } from "@/lib/protocol/admin";
import { DataTable, type Column } from "@/components/ui/DataTable";
import { StatusPill, type PillTone } from "@/components/ui/StatusPill";
import { card } from "@/components/ui/styles";
import { formatBytes, formatCompact, formatDuration, formatMs, formatRate } from "@/lib/format";
import { TimeAgo } from "./TimeAgo";

const STATE: Record<InstanceState, { label: string; tone: PillTone; hint: string }> = {
  live: { label: "Live", tone: "success", hint: "reporting every second" },
  draining: { label: "Draining", tone: "warning", hint: "shutting down, moving clients elsewhere" },
  stopped: { label: "Stopped", tone: "muted", hint: "shut down cleanly" },
  gone: { label: "Gone", tone: "danger", hint: "stopped reporting without shutting down; probably crashed" },
};

const away = (r: InstanceRow) => r.state === "gone" || r.state === "stopped";

function columns(now: number): Column<InstanceRow>[] {
  const num = "tabular-nums";
  return [
    {
      header: "Instance",
      rowHeader: true,
      className: "whitespace-nowrap font-medium text-slate-900",
      cell: (r) => (
        <>
          {r.id}
          <span className="ml-2 text-xs font-normal text-slate-500">{r.mode}</span>
        </>
      ),
    },
    {
      header: "State",
      cell: (r) => (
        <StatusPill tone={STATE[r.state].tone} title={STATE[r.state].hint}>
          {STATE[r.state].label}
        </StatusPill>
      ),
    },
    { header: "Uptime", className: num, cell: (r) => (away(r) ? "—" : formatDuration(r.uptimeMs)) },
    {
      header: "Connections",
      align: "right",
      className: num,
      cellProps: (r) => ({
        "data-testid": `instance-${r.id}-connections`,
        "data-count": r.connections.total,
      }),
      cell: (r) => (
        <>
          {formatCompact(r.connections.total)}
          <span className="ml-1 text-xs text-slate-500">
            ({formatCompact(r.connections.websocket)} ws · {formatCompact(r.connections.polling)} poll)
          </span>
        </>
      ),
    },
    { header: "Users", align: "right", className: num, cell: (r) => formatCompact(r.users) },
    {
      header: "Msg/s in · out",
      align: "right",
      className: num,
      cell: (r) => `${formatRate(r.eventsInPerSec)} · ${formatRate(r.eventsOutPerSec)}`,
    },
    { header: "Loop lag", align: "right", className: num, cell: (r) => formatMs(r.loopLagMs) },
    {
      header: "Memory",
      align: "right",
      className: num,
      cellProps: (r) => ({ title: `heap ${formatBytes(r.heapUsedBytes)}` }),
      cell: (r) => formatBytes(r.rssBytes),
    },
    { header: "CPU", align: "right", className: num, cell: (r) => `${Math.round(r.cpuPercent)} %` },
    {
      header: "Last heartbeat",
      className: num,
      cell: (r) => <TimeAgo at={r.lastHeartbeat} now={now} />,
    },
  ];
}

/** One row per instance, including the ones that went away, until they age out after ten minutes. */
export function InstancesTable({ rows, now }: { rows: InstanceRow[]; now: number }) {
  return (
    <section id="instances" className={`${card} scroll-mt-24`} aria-labelledby="instances-title">
      <div className="flex items-baseline justify-between gap-4 px-4 pt-4">
        <h2 id="instances-title" className="text-sm font-medium text-slate-900">
          Instances
        </h2>
        <p className="text-xs text-slate-500">Gone and stopped instances stay listed for 10 minutes.</p>
      </div>
      <div className="mt-2 overflow-x-auto">
        <DataTable
          data-testid="instances-table"
          className="min-w-[56rem]"
          columns={columns(now)}
          rows={rows}
          rowKey={(r) => r.id}
          rowProps={(r) => ({
            "data-testid": `instance-${r.id}`,
            "data-state": r.state,
            className: away(r) ? "text-slate-500" : "",
          })}
          empty="Waiting for the first heartbeat…"
        />
      </div>
    </section>
  );
}
