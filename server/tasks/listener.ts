import { chartKeepsMessage, type TaskInfo } from "@/lib/protocol/tasks";
import { serverStamp } from "../metrics/clock";
import type { NotificationService } from "../notifications/service";
import type { Broadcaster } from "../realtime/broadcaster";
import { boardRoom } from "../realtime/rooms";
import { userRoom } from "../realtime/types";
import type { TaskListener } from "./queue";

/**
 * Sends every task change to its owner and to the viewers of its board, and a notification when it finishes.
 * Runs wherever the change happens: a web instance (through the Socket.IO server) or a worker (through the
 * Redis emitter).
 */
export function taskListener(deps: {
  broadcaster: Broadcaster;
  notifications: Pick<NotificationService, "notifyQuietly">;
}): TaskListener {
  return (task: TaskInfo) => {
    const rooms = task.boardId ? [userRoom(task.owner), boardRoom(task.boardId)] : [userRoom(task.owner)];
    // `at`: when the change was seen here, so that clients measure the delivery of task pushes too.
    deps.broadcaster.to(rooms).emit("task:update", { task, at: serverStamp() });
    const link = task.boardId ? `/boards/${task.boardId}` : undefined;
    if (task.status === "completed") {
      // An export's notification downloads the file (its JSON; the board's Tasks panel has the CSV too).
      const file = task.result?.kind === "board-export" ? task.result.files[0]?.path : undefined;
      deps.notifications.notifyQuietly(task.owner, {
        kind: "task",
        title: `${task.title}: done`,
        body: describeResult(task),
        link: file ?? link,
      });
    } else if (task.status === "failed") {
      deps.notifications.notifyQuietly(task.owner, {
        kind: "task",
        title: `${task.title}: failed`,
        body: task.error?.message ?? "the task failed",
        link,
      });
    }
  };
}

function describeResult(task: TaskInfo): string {
  const r = task.result;
  if (!r) return "Finished.";
  switch (r.kind) {
    case "csv-import": {
      const rows = `${r.imported} ${r.imported === 1 ? "row" : "rows"}`;
      const skipped = r.skipped ? `, skipped ${r.skipped} invalid ${r.skipped === 1 ? "one" : "ones"}` : "";
      const dropped = r.droppedOldest ? ` ${chartKeepsMessage(r.droppedOldest).replace(/^t/, "T")}.` : "";
      return `Imported ${rows}${skipped}.${dropped}`;
    }
    case "board-export":
      return "The export is ready: open this to download it as JSON; the board's Tasks panel has JSON and CSV.";
    case "chart-summary":
      return `${r.stats.count} points: mean ${r.stats.mean.toFixed(2)}, p95 ${r.stats.p95}.`;
  }
}
