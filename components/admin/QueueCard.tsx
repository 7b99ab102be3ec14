"use client";

import { Loader2, RotateCcw } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import type { AdminSocket } from "@/lib/client/admin-socket";
import type { QueueCounts, QueueStats } from "@/lib/protocol/admin";
import type { TaskInfo, TaskKind } from "@/lib/protocol/tasks";
import { ErrorNote } from "@/components/ui/ErrorNote";
import { actionsColumn, DataTable } from "@/components/ui/DataTable";
import { button, card } from "@/components/ui/styles";
import { adminRequest } from "./admin-request";
import { formatAgo, formatCompact } from "@/lib/format";
import { TimeAgo } from "./TimeAgo";

const COUNTS: { key: keyof QueueCounts; label: string; hint: string; tone?: string }[] = [
  { key: "queued", label: "Queued", hint: "waiting for a worker" },
  { key: "running", label: "Running", hint: "on a worker now" },
  { key: "delayed", label: "Delayed", hint: "waiting to retry after a failed attempt" },
  { key: "completed", label: "Completed", hint: "kept for 7 days" },
  { key: "failed", label: "Failed", hint: "kept for 30 days", tone: "text-rose-700" },
];

const KIND: Record<TaskKind, string> = {
  "csv-import": "CSV import",
  "board-export": "Board export",
  "chart-summary": "Chart summary",
};

/** Background task queue: counts and the recent failures with their error, each retryable from here. */
export function QueueCard(props: {
  admin: AdminSocket | null;
  stats: QueueStats | null;
  error: string | null;
  now: number;
}) {
  const { admin, stats, error, now } = props;
  const [retrying, setRetrying] = useState<Set<string>>(new Set());

  async function retry(taskId: string, title: string) {
    setRetrying((s) => new Set(s).add(taskId));
    const res = await adminRequest(admin, "admin:retry-task", { taskId });
    setRetrying((s) => {
      const next = new Set(s);
      next.delete(taskId);
      return next;
    });
    if (res.ok)
      toast.success(`Queued again: ${title}`, {
        description: `Owner ${res.task.owner} sees its progress live.`,
      });
    else toast.error(`Could not retry “${title}”`, { description: res.error.message });
  }

  return (
    <section id="tasks" aria-labelledby="tasks-title" className={`${card} scroll-mt-24`}>
      <div className="px-4 pt-4">
        <h2 id="tasks-title" className="text-sm font-medium text-slate-900">
          Background tasks
        </h2>
        <p className="text-xs text-slate-500">The shared task queue, whichever process runs the tasks.</p>
      </div>
      <ErrorNote look="box" className="mx-4 mt-3">
        {error}
      </ErrorNote>
      <dl className="mt-3 grid grid-cols-3 gap-2 px-4 sm:grid-cols-5">
        {COUNTS.map((c) => (
          <div key={c.key} className="rounded-lg bg-slate-50 px-3 py-2" title={c.hint}>
            <dt className="text-xs text-slate-500">{c.label}</dt>
            <dd
              className={`text-lg font-semibold tabular-nums ${
                c.tone && stats?.counts[c.key] ? c.tone : "text-slate-900"
              }`}
              data-testid={`queue-${c.key}`}
            >
              {stats ? formatCompact(stats.counts[c.key]) : "—"}
            </dd>
          </div>
        ))}
      </dl>

      <h3 className="mt-4 px-4 text-xs font-medium uppercase tracking-wide text-slate-500">
        Recent failures
      </h3>
      <div className="relative mt-1 overflow-x-auto">
        <DataTable<TaskInfo>
          data-testid="queue-failures"
          className="sm:min-w-[40rem]"
          rows={stats?.failed ?? null}
          rowKey={(t) => t.id}
          rowProps={(t) => ({ "data-testid": `failed-${t.id}` })}
          loading="Reading the queue…"
          empty="No failed tasks."
          columns={[
            {
              header: "Task",
              className: "max-w-[18rem]",
              cell: (t) => (
                <>
                  <p className="truncate font-medium text-slate-900" title={t.title}>
                    {t.title}
                  </p>
                  <p className="text-xs text-slate-500">
                    {KIND[t.kind]} · {t.attempts} of {t.maxAttempts} attempts
                    {t.status === "cancelled" ? " · cancelled" : ""}
                  </p>
                  <p className="text-xs text-slate-500 sm:hidden">
                    {t.owner} · {formatAgo(t.updatedAt, now)}
                  </p>
                </>
              ),
            },
            { header: "Owner", from: "sm", className: "text-slate-700", cell: (t) => t.owner },
            {
              header: "Error",
              className: "max-w-[22rem] text-rose-800",
              cell: (t) => (
                <p className="line-clamp-2" title={t.error?.message}>
                  {t.error?.message ?? t.message ?? "no error recorded"}
                </p>
              ),
            },
            {
              header: "Failed",
              from: "sm",
              className: "whitespace-nowrap tabular-nums text-slate-600",
              cell: (t) => <TimeAgo at={t.updatedAt} now={now} />,
            },
            actionsColumn((t) => {
              const busy = retrying.has(t.id);
              return (
                <button
                  type="button"
                  className={button("secondary", "sm")}
                  onClick={() => void retry(t.id, t.title)}
                  disabled={busy}
                  aria-label={`Retry ${t.title}`}
                >
                  {busy ? (
                    <Loader2 className="h-4 w-4 animate-spin" aria-hidden />
                  ) : (
                    <RotateCcw className="h-4 w-4" aria-hidden />
                  )}
                  <span className="sr-only sm:not-sr-only">Retry</span>
                </button>
              );
            }),
          ]}
        />
      </div>
      <p className="px-4 py-3 text-xs text-slate-500">
        A retry runs the task again as its owner would; it shows here again if it fails again.
      </p>
    </section>
  );
}
