"use client";

import { ListChecks } from "lucide-react";
import type { TaskActions } from "./useTasks";
import { TaskRow } from "./TaskRow";

export function TaskList({ tasks, empty }: { tasks: TaskActions; empty?: string }) {
  if (tasks.loading && tasks.tasks.length === 0) {
    return <p className="py-6 text-center text-sm text-slate-500">Loading tasks…</p>;
  }
  if (tasks.tasks.length === 0) {
    return (
      <div className="flex flex-col items-center gap-2 py-8 text-center text-sm text-slate-500">
        <ListChecks className="h-6 w-6 text-slate-300" aria-hidden />
        {empty ?? "No tasks yet."}
      </div>
    );
  }
  return (
    <ul className="space-y-2" aria-label="Tasks">
      {tasks.tasks.map((t) => (
        <TaskRow
          key={t.id}
          task={t}
          onCancel={() => tasks.cancel(t.id)}
          onRetry={(skip) => tasks.retry(t.id, skip)}
        />
      ))}
    </ul>
  );
}
