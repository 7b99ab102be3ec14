"use client";

import { AlertTriangle, CheckCircle2, Download, Info, Loader2, RotateCcw, X, XCircle } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { chartKeepsMessage, type TaskInfo } from "@/lib/protocol/tasks";
import { StatusPill, type PillTone } from "@/components/ui/StatusPill";
import { btn } from "@/components/ui/styles";
import { formatBytes, formatCount, formatNumber, formatWhen } from "@/lib/format";

const STATUS: Record<TaskInfo["status"], { label: string; tone: PillTone }> = {
  queued: { label: "Queued", tone: "muted" },
  running: { label: "Running", tone: "info" },
  completed: { label: "Done", tone: "success" },
  failed: { label: "Failed", tone: "danger" },
  cancelled: { label: "Cancelled", tone: "muted" },
};

/** For a CSV import that overfilled its chart: the chart kept only its newest points. */
export function droppedNotice(task: TaskInfo): string | null {
  const r = task.result;
  if (r?.kind !== "csv-import" || !r.droppedOldest) return null;
  const text = chartKeepsMessage(r.droppedOldest);
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

function describeResult(task: TaskInfo): string | null {
  const r = task.result;
  if (!r) return null;
  if (r.kind === "csv-import") {
    const rows = `${formatCount(r.imported)} ${r.imported === 1 ? "row" : "rows"}`;
    return `Imported ${rows}${r.skipped ? `, skipped ${r.skipped}` : ""}.`;
  }
  if (r.kind === "chart-summary")
    return `${formatCount(r.stats.count)} points · mean ${formatNumber(r.stats.mean)} · p95 ${formatNumber(r.stats.p95)} · p99 ${formatNumber(r.stats.p99)}`;
  return null;
}

export function ProgressBar({ task }: { task: TaskInfo }) {
  const active = task.status === "running" || task.status === "queued";
  const value = task.status === "completed" ? 100 : task.progress;
  return (
    <div
      role="progressbar"
      aria-label={`${task.title}: ${value}%`}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value}
      data-testid="task-progress"
      data-status={task.status}
      className="h-1.5 w-full overflow-hidden rounded-full bg-slate-100"
    >
      <div
        className={`h-full rounded-full transition-[width] duration-300 ${
          task.status === "failed"
            ? "bg-rose-500"
            : task.status === "completed"
              ? "bg-emerald-500"
              : "bg-indigo-500"
        } ${active && value === 0 ? "w-1/12 animate-pulse" : ""}`}
        style={active && value === 0 ? undefined : { width: `${value}%` }}
      />
    </div>
  );
}

/** One task: status, live progress, what went wrong (with the bad lines), and what can be done about it. */
export function TaskRow({
  task,
  onCancel,
  onRetry,
}: {
  task: TaskInfo;
  onCancel(): Promise<void>;
  onRetry(skipInvalid?: boolean): Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const look = STATUS[task.status];
  const act = async (fn: () => Promise<void>) => {
    setBusy(true);
    try {
      await fn();
    } catch (err) {
      toast.error((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const lines = task.error?.lines ?? [];
  const result = describeResult(task);
  const dropped = droppedNotice(task);
  return (
    <li
      className="space-y-2 rounded-xl bg-white p-3 ring-1 ring-slate-200"
      data-testid="task-row"
      data-task-id={task.id}
      data-updated-at={task.updatedAt}
    >
      <div className="flex items-start gap-2">
        <span className="mt-0.5">
          {task.status === "running" || task.status === "queued" ? (
            <Loader2 className="h-4 w-4 animate-spin text-indigo-600" aria-hidden />
          ) : task.status === "completed" ? (
            <CheckCircle2 className="h-4 w-4 text-emerald-600" aria-hidden />
          ) : task.status === "failed" ? (
            <XCircle className="h-4 w-4 text-rose-600" aria-hidden />
          ) : (
            <X className="h-4 w-4 text-slate-400" aria-hidden />
          )}
        </span>
        <div className="min-w-0 flex-1">
          <p className="truncate text-sm font-medium text-slate-900" title={task.title}>
            {task.title}
          </p>
          <p className="text-xs text-slate-500">
            {formatWhen(task.createdAt)}
            {task.attempts > 1 ? ` · attempt ${task.attempts} of ${task.maxAttempts}` : ""}
          </p>
        </div>
        <StatusPill tone={look.tone} data-testid="task-status">
          {look.label}
          {task.status === "running" ? ` ${task.progress}%` : ""}
        </StatusPill>
      </div>
      {task.status !== "cancelled" ? <ProgressBar task={task} /> : null}
      {task.message && (task.status === "running" || task.status === "queued") ? (
        <p className="text-xs text-slate-600">{task.message}</p>
      ) : null}
      {result ? <p className="text-xs text-slate-700">{result}</p> : null}
      {dropped ? (
        <p
          className="flex gap-1.5 rounded-lg bg-amber-50 p-2 text-xs text-amber-900 ring-1 ring-amber-200"
          data-testid="task-chart-kept-newest"
        >
          <Info className="mt-0.5 h-3.5 w-3.5 shrink-0" aria-hidden /> {dropped}
        </p>
      ) : null}
      {task.result?.kind === "board-export" ? (
        <div className="flex flex-wrap gap-2">
          {task.result.files.map((f) => (
            <a key={f.format} href={f.path} className={`${btn.secondary} py-1 text-xs`} download>
              <Download className="h-3.5 w-3.5" aria-hidden /> {f.format.toUpperCase()} (
              {formatBytes(f.bytes)})
            </a>
          ))}
        </div>
      ) : null}
      {task.status === "failed" && task.error ? (
        <div
          className="space-y-1 rounded-lg bg-rose-50 p-2 text-xs break-words text-rose-900 ring-1 ring-rose-200 [overflow-wrap:anywhere]"
          role="alert"
        >
          <p className="flex gap-1.5">
            <AlertTriangle className="mt-0.5 h-3.5 w-3.5 shrink-0" aria-hidden />
            <span className="min-w-0">{task.error.message}</span>
          </p>
          {lines.length > 0 ? (
            <details>
              <summary className="cursor-pointer font-medium">
                {task.error.badLineCount ?? lines.length} invalid {lines.length === 1 ? "line" : "lines"}
              </summary>
              <ul className="mt-1 max-h-32 space-y-0.5 overflow-auto font-mono" data-testid="task-bad-lines">
                {lines.map((l) => (
                  <li key={l.line}>
                    line {l.line}: {l.reason}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </div>
      ) : null}
      <div className="flex flex-wrap justify-end gap-2">
        {task.status === "queued" || task.status === "running" ? (
          <button
            type="button"
            className={`${btn.secondary} py-1 text-xs`}
            disabled={busy}
            onClick={() => void act(onCancel)}
          >
            <X className="h-3.5 w-3.5" aria-hidden /> Cancel
          </button>
        ) : null}
        {task.status === "failed" &&
        task.kind === "csv-import" &&
        task.error?.lines?.length &&
        task.error.retryable ? (
          <button
            type="button"
            className={`${btn.secondary} py-1 text-xs`}
            disabled={busy}
            onClick={() => void act(() => onRetry(true))}
          >
            Import the valid rows only
          </button>
        ) : null}
        {(task.status === "failed" && task.error?.retryable !== false) || task.status === "cancelled" ? (
          <button
            type="button"
            className={`${btn.secondary} py-1 text-xs`}
            disabled={busy}
            onClick={() => void act(() => onRetry())}
          >
            <RotateCcw className="h-3.5 w-3.5" aria-hidden /> Retry
          </button>
        ) : null}
      </div>
    </li>
  );
}
