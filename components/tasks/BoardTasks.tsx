"use client";

import { FileDown, ListChecks } from "lucide-react";
import { createContext, useContext, useState, type ReactNode } from "react";
import { toast } from "sonner";
import type { TaskInfo } from "@/lib/protocol/tasks";
import { Dialog } from "@/components/ui/Dialog";
import { btn } from "@/components/ui/styles";
import { TaskList } from "./TaskList";
import { useTasks, type TaskActions } from "./useTasks";

const BoardTasksContext = createContext<TaskActions | null>(null);

/** The open board's tasks, shared by the header's task panel and the widgets that show their own progress. */
export function BoardTasksProvider({ boardId, children }: { boardId: string; children: ReactNode }) {
  const tasks = useTasks(boardId);
  return <BoardTasksContext.Provider value={tasks}>{children}</BoardTasksContext.Provider>;
}

export function useBoardTasks(): TaskActions {
  const value = useContext(BoardTasksContext);
  if (!value) throw new Error("useBoardTasks must be used inside <BoardTasksProvider>");
  return value;
}

/** The newest task working on `widgetId`, while it runs or just after it ends. */
export function useWidgetTask(widgetId: string): TaskInfo | undefined {
  return useBoardTasks().tasks.find((t) => t.widgetId === widgetId);
}

const active = (t: TaskInfo) => t.status === "queued" || t.status === "running";

/** Header button: the board's tasks (live), and exporting the board. */
export function BoardTasksButton({ boardId }: { boardId: string }) {
  const tasks = useBoardTasks();
  const [open, setOpen] = useState(false);
  const [starting, setStarting] = useState(false);
  const running = tasks.tasks.filter(active).length;
  const exportBoard = async () => {
    setStarting(true);
    try {
      await tasks.startExport(boardId);
    } catch (err) {
      toast.error(`Could not start the export: ${(err as Error).message}`);
    } finally {
      setStarting(false);
    }
  };
  return (
    <>
      <button
        type="button"
        className={btn.secondary}
        onClick={() => setOpen(true)}
        data-testid="board-tasks-button"
      >
        <ListChecks className="h-4 w-4" aria-hidden />
        <span className="hidden sm:inline">Tasks</span>
        <span className="sr-only sm:hidden">Tasks</span>
        {running > 0 ? (
          <span
            className="rounded-full bg-indigo-600 px-1.5 text-xs text-white"
            aria-label={`${running} running`}
          >
            {running}
          </span>
        ) : null}
      </button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title="Tasks on this board"
        description="Imports, exports and summaries, live."
      >
        <div className="space-y-3">
          <button
            type="button"
            className={btn.primary}
            onClick={() => void exportBoard()}
            disabled={starting}
          >
            <FileDown className="h-4 w-4" aria-hidden /> Export the board (JSON and CSV)
          </button>
          <div className="max-h-[60vh] overflow-auto pr-1">
            <TaskList
              tasks={tasks}
              empty="No tasks on this board yet. Import a CSV into a chart from its menu."
            />
          </div>
        </div>
      </Dialog>
    </>
  );
}
