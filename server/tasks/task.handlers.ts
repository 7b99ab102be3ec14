import { AppError } from "@/lib/protocol/errors";
import type { TaskInfo } from "@/lib/protocol/tasks";
import type { Principal } from "../auth/principal";
import type { BoardService } from "../boards/service";
import type { EventRouter } from "../realtime/event-router";
import type { TaskQueue } from "./queue";
import { widgetIn } from "@/lib/boards/types";

/** A task belongs to its owner; admins may act on any task (retrying failed jobs from the admin panel). */
export async function ownedTask(queue: TaskQueue, user: Principal, taskId: string): Promise<TaskInfo> {
  const task = await queue.get(taskId);
  if (!task || (task.owner !== user.name && user.role !== "admin"))
    throw new AppError("NOT_FOUND", "no such task");
  return task;
}

export function registerTaskHandlers(
  events: EventRouter,
  deps: { queue: TaskQueue; boards: BoardService },
): void {
  const { queue, boards } = deps;

  events.handle("task:start", async (req, { user }) => {
    const { doc, role } = await boards.open(user.name, req.boardId);
    if (req.kind === "board-export") {
      return { task: await queue.enqueue(user.name, `Export “${doc.title}”`, req) };
    }
    if (role === "viewer") throw new AppError("FORBIDDEN", "viewers cannot change this board");
    const chart = widgetIn(doc, req.chartWidgetId);
    if (chart?.type !== "chart") throw new AppError("NOT_FOUND", "no such chart on this board");
    return { task: await queue.enqueue(user.name, `Summarize “${chart.title || "chart"}”`, req) };
  });

  events.handle("task:list", async ({ boardId }, { user }) => {
    const tasks = await queue.listFor(user.name, 30);
    return { tasks: boardId ? tasks.filter((t) => t.boardId === boardId) : tasks };
  });

  events.handle("task:cancel", async ({ taskId }, { user }) => {
    await ownedTask(queue, user, taskId);
    const task = await queue.cancel(taskId);
    if (!task) throw new AppError("NOT_FOUND", "no such task");
    return { task };
  });

  events.handle("task:retry", async ({ taskId, skipInvalid }, { user }) => {
    const before = await ownedTask(queue, user, taskId);
    if (before.status !== "failed" && before.status !== "cancelled") {
      throw new AppError(
        "CONFLICT",
        `the task is ${before.status}; only failed or cancelled tasks can be retried`,
      );
    }
    const task = await queue.retry(taskId, skipInvalid === undefined ? undefined : { skipInvalid });
    if (!task) throw new AppError("NOT_FOUND", "no such task");
    return { task };
  });
}
