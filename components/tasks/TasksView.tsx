"use client";

import { TaskList } from "./TaskList";
import { useTasks } from "./useTasks";

/** Everything the user started recently, on any board, live. */
export function TasksView() {
  const tasks = useTasks();
  return (
    <div className="mx-auto max-w-3xl space-y-4">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900">Tasks</h1>
        <p className="mt-1 text-sm text-slate-600">
          Your imports, exports and summaries: running ones update live; failed ones say why and can be
          retried.
        </p>
      </div>
      {tasks.error ? (
        <p role="alert" className="text-sm text-rose-700">
          {tasks.error}
        </p>
      ) : null}
      <TaskList
        tasks={tasks}
        empty="No tasks yet. Start one from a chart's menu or a board's Tasks button."
      />
    </div>
  );
}
