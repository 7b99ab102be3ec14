import type { AppSocket } from "../realtime/types";
import { AppError } from "@/lib/protocol/errors";
import type { TaskInfo } from "@/lib/protocol/tasks";
import type { Principal } from "../auth/principal";
import type { Role } from "../auth/user-store";
import type { BoardService } from "../boards/service";
import type { Quotas } from "../quotas/quotas";
import type { EventRouter } from "../realtime/event-router";
import type { TaskQueue } from "./queue";
import { widgetIn } from "@/lib/boards/types";

/**
 * Tasks of `owner` that are queued or running: what the concurrent-tasks quota counts. It looks at the newest
 * `limit * 10 + 20` tasks only, as each costs a read; an older task still running behind that many newer ones is
 * not counted, so a user can exceed the limit by the few long tasks they manage to bury that way, never more.
 */
export async function activeTasks(queue: TaskQueue, owner: string, limit: number): Promise<number> {
  const tasks = await queue.listFor(owner, limit * 10 + 20);
  return tasks.filter((t) => t.status === "queued" || t.status === "running").length;
}

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
  deps: {
    queue: TaskQueue;
    boards: BoardService;
    quotas: Quotas;
    roleOf: RoleOf;
    /** An admin retrying someone else's task is audited (`task.retry`), with who and from where. */
    auditRetry: (socket: AppSocket, task: TaskInfo) => Promise<void>;
  },
): void {
  const { queue, boards, quotas, roleOf } = deps;
  /** Per-minute and concurrent-task quotas, then the enqueue. */
  const admit = async <T>(user: string, enqueue: () => Promise<T>): Promise<T> => {
    await quotas.taskSubmitted(user);
    return quotas.admitCreation(
      user,
      "tasks-concurrent",
      () => activeTasks(queue, user, quotas.limits.tasksConcurrentPerUser),
      enqueue,
    );
  };

  events.handle("task:start", async (req, { user }) => {
    const { doc, role } = await boards.open(user.name, req.boardId);
    if (req.kind === "board-export") {
      await quotas.checkBytesLeft(user.name);
      return { task: await admit(user.name, () => queue.enqueue(user.name, `Export “${doc.title}”`, req)) };
    }
    if (role === "viewer") throw new AppError("FORBIDDEN", "viewers cannot change this board");
    const chart = widgetIn(doc, req.chartWidgetId);
    if (chart?.type !== "chart") throw new AppError("NOT_FOUND", "no such chart on this board");
    const title = `Summarize “${chart.title || "chart"}”`;
    return { task: await admit(user.name, () => queue.enqueue(user.name, title, req)) };
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

  events.handle("task:retry", async ({ taskId, skipInvalid }, { user, socket }) => {
    const before = await ownedTask(queue, user, taskId, roleOf);
    if (before.status !== "failed" && before.status !== "cancelled") {
      throw new AppError(
        "CONFLICT",
        `the task is ${before.status}; only failed or cancelled tasks can be retried`,
      );
    }
    const task = await admit(user.name, () =>
      queue.retry(taskId, skipInvalid === undefined ? undefined : { skipInvalid }),
    );
    if (!task) throw new AppError("NOT_FOUND", "no such task");
    if (task.owner !== user.name) await deps.auditRetry(socket, task);
    return { task };
  });
}
