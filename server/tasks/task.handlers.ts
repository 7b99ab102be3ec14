import { AppError } from "@/lib/protocol/errors";
import type { TaskInfo } from "@/lib/protocol/tasks";
import type { Principal } from "../auth/principal";
import type { Role } from "../auth/user-store";
import type { BoardService } from "../boards/service";
import type { EventRouter } from "../realtime/event-router";
import type { TaskQueue } from "./queue";

/** The user's role as the user store says now (cached for seconds at most); undefined for a removed user. */
export type RoleOf = (name: string) => Promise<Role | undefined>;

/**
 * A task belongs to its owner; admins may act on any task (retrying failed jobs from the admin panel). Whether
 * the caller is an admin is asked of the user store, not of the credential: a demoted admin loses this at once.
 */
export async function ownedTask(
  queue: TaskQueue,
  user: Principal,
  taskId: string,
  roleOf: RoleOf,
): Promise<TaskInfo> {
  const task = await queue.get(taskId);
  if (!task || (task.owner !== user.name && (await roleOf(user.name)) !== "admin"))
    throw new AppError("NOT_FOUND", "no such task");
  return task;
}

export function registerTaskHandlers(
  events: EventRouter,
  deps: { queue: TaskQueue; boards: BoardService; roleOf: RoleOf },
): void {
  const { queue, boards, roleOf } = deps;

  events.handle("task:start", async (req, { user }) => {
    const { doc, role } = await boards.open(user.name, req.boardId);
    if (req.kind === "board-export") {
      return { task: await queue.enqueue(user.name, `Export “${doc.title}”`, req) };
    }
    if (role === "viewer") throw new AppError("FORBIDDEN", "viewers cannot change this board");
    const chart = doc.widgets[req.chartWidgetId];
    if (chart?.type !== "chart") throw new AppError("NOT_FOUND", "no such chart on this board");
    return { task: await queue.enqueue(user.name, `Summarize “${chart.title || "chart"}”`, req) };
  });

  events.handle("task:list", async ({ boardId }, { user }) => {
    const tasks = await queue.listFor(user.name, 30);
    return { tasks: boardId ? tasks.filter((t) => t.boardId === boardId) : tasks };
  });

  events.handle("task:cancel", async ({ taskId }, { user }) => {
    await ownedTask(queue, user, taskId, roleOf);
    const task = await queue.cancel(taskId);
    if (!task) throw new AppError("NOT_FOUND", "no such task");
    return { task };
  });

  events.handle("task:retry", async ({ taskId, skipInvalid }, { user }) => {
    const before = await ownedTask(queue, user, taskId, roleOf);
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
