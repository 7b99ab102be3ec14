"use client";

import { X } from "lucide-react";
import { useEffect, useState } from "react";
import { useWidgetTask } from "./BoardTasks";
import { ProgressBar, droppedNotice } from "./TaskRow";

/**
 * A thin strip under a widget's title while a task works on it, for everyone viewing the board: what is
 * happening, and the progress. It stays a few seconds after the end, so the outcome can be read.
 */
export function WidgetTaskStrip({ widgetId }: { widgetId: string }) {
  const task = useWidgetTask(widgetId);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const ended = task !== undefined && task.status !== "running" && task.status !== "queued";
  // Which ended task has been on screen long enough; set from a timer, never while rendering.
  const [expired, setExpired] = useState<string | null>(null);
  const endedId = ended ? task.id : null;
  const endedFailed = ended && task.status === "failed";
  useEffect(() => {
    if (!endedId) return;
    const timer = setTimeout(() => setExpired(endedId), endedFailed ? 30_000 : 6_000);
    return () => clearTimeout(timer);
  }, [endedId, endedFailed]);
  if (!task || dismissed === task.id || (ended && expired === task.id) || task.status === "cancelled")
    return null;
  const label =
    task.status === "completed"
      ? `Done${droppedNotice(task) ? `. ${droppedNotice(task)}` : ""}`
      : task.status === "failed"
        ? `Failed: ${task.error?.message ?? "see Tasks"}`
        : (task.message ?? (task.status === "queued" ? "Waiting for a worker…" : "Working…"));
  return (
    <div
      className="space-y-1 border-b border-slate-100 px-3 py-1.5"
      data-testid={`widget-task-${widgetId}`}
      aria-live="polite"
    >
      <div className="flex items-center gap-2 text-xs text-slate-600">
        <span
          className={`min-w-0 flex-1 ${
            // A failure is read in full: its text wraps rather than being cut.
            task.status === "failed" ? "break-words [overflow-wrap:anywhere]" : "truncate"
          }`}
          title={task.title}
        >
          {task.owner}: {label}
        </span>
        <span className="tabular-nums">{task.status === "completed" ? 100 : task.progress}%</span>
        {ended ? (
          <button
            type="button"
            aria-label="Dismiss"
            className="text-slate-400 hover:text-slate-700"
            onClick={() => setDismissed(task.id)}
          >
            <X className="h-3.5 w-3.5" aria-hidden />
          </button>
        ) : null}
      </div>
      <ProgressBar task={task} />
    </div>
  );
}
