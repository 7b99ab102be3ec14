"use client";

import { useCallback, useEffect, useState } from "react";
import type { TaskInfo } from "@/lib/protocol/tasks";
import { useRealtime } from "../realtime/SocketProvider";

export interface TaskActions {
  tasks: TaskInfo[];
  loading: boolean;
  error: string | null;
  startExport(boardId: string): Promise<TaskInfo>;
  startSummary(boardId: string, chartWidgetId: string): Promise<TaskInfo>;
  uploadCsv(boardId: string, widgetId: string, file: File): Promise<TaskInfo>;
  cancel(taskId: string): Promise<void>;
  retry(taskId: string, skipInvalid?: boolean): Promise<void>;
}

const ORDER = (a: TaskInfo, b: TaskInfo) => b.createdAt - a.createdAt;

/**
 * The user's tasks (or one board's), kept live from `task:update`. Every action throws with the server's own
 * message, so callers can show it as is.
 */
export function useTasks(boardId?: string): TaskActions {
  const { socket, state } = useRealtime();
  const [tasks, setTasks] = useState<TaskInfo[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const connected = state.status === "connected";

  const upsert = useCallback(
    (task: TaskInfo) => {
      if (boardId && task.boardId !== boardId) return;
      setTasks((list) => {
        const old = list.find((t) => t.id === task.id);
        // Updates can cross on the wire; never let an older one replace a newer state.
        if (old && old.updatedAt > task.updatedAt) return list;
        if (old && old.status === task.status && old.progress > task.progress && task.status === "running")
          return list;
        return [task, ...list.filter((t) => t.id !== task.id)].sort(ORDER);
      });
    },
    [boardId],
  );

  useEffect(() => {
    if (!socket || !connected) return;
    let live = true;
    socket
      .timeout(10_000)
      .emitWithAck("task:list", boardId ? { boardId } : {})
      .then((res) => {
        if (!live) return;
        if (res.ok) {
          setTasks(res.tasks.sort(ORDER));
          setError(null);
        } else setError(res.error.message);
      })
      .catch(() => live && setError("Could not load the tasks; retrying when the connection is back."))
      .finally(() => live && setLoading(false));
    const onUpdate = ({ task }: { task: TaskInfo }) => upsert(task);
    socket.on("task:update", onUpdate);
    return () => {
      live = false;
      socket.off("task:update", onUpdate);
    };
  }, [socket, connected, boardId, upsert]);

  const call = useCallback(
    async (
      run: () => Promise<{ ok: true; task: TaskInfo } | { ok: false; error: { message: string } }>,
    ): Promise<TaskInfo> => {
      const res = await run();
      if (!res.ok) throw new Error(res.error.message);
      upsert(res.task);
      return res.task;
    },
    [upsert],
  );

  const need = useCallback(() => {
    if (!socket?.connected) throw new Error("You are offline; try again when the connection is back.");
    return socket.timeout(15_000);
  }, [socket]);

  return {
    tasks,
    loading,
    error,
    startExport: (id) => call(() => need().emitWithAck("task:start", { kind: "board-export", boardId: id })),
    startSummary: (id, chartWidgetId) =>
      call(() => need().emitWithAck("task:start", { kind: "chart-summary", boardId: id, chartWidgetId })),
    uploadCsv: async (id, widgetId, file) => {
      const query = new URLSearchParams({ boardId: id, widgetId, fileName: file.name.slice(0, 200) });
      const res = await fetch(`/api/tasks/csv-import?${query.toString()}`, {
        method: "POST",
        headers: { "content-type": "text/csv" },
        body: file,
      });
      const body = (await res.json().catch(() => null)) as
        { ok: true; task: TaskInfo } | { ok: false; error: { message: string } } | null;
      if (!body) throw new Error(`the server answered ${res.status}`);
      return call(async () => body);
    },
    cancel: async (taskId) => {
      await call(() => need().emitWithAck("task:cancel", { taskId }));
    },
    retry: async (taskId, skipInvalid) => {
      await call(() =>
        need().emitWithAck("task:retry", skipInvalid === undefined ? { taskId } : { taskId, skipInvalid }),
      );
    },
  };
}
