"use client";

import { ArchiveRestore, Loader2, Trash2 } from "lucide-react";
import { useCallback, useEffect, useState } from "react";
import { toast } from "sonner";
import { formatDate } from "@/lib/format";
import type { DeletedBoard } from "@/lib/protocol/boards";
import { button } from "@/components/ui/styles";
import { useRealtime } from "../realtime/SocketProvider";

const DAY = 86_400_000;

/**
 * The boards the user deleted in the last 30 days, with Restore. Shown only when there are some; `onRestored`
 * lets the board list show the board again.
 */
export function RecentlyDeleted({ onRestored }: { onRestored(): void }) {
  const { socket, state: connection } = useRealtime();
  const [boards, setBoards] = useState<DeletedBoard[] | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  /** When the list was read: days left are counted from it. */
  const [readAt, setReadAt] = useState(0);
  const connected = connection.status === "connected";

  const load = useCallback(async () => {
    if (!socket?.connected) return;
    try {
      const res = await socket.timeout(10_000).emitWithAck("board:deleted", {});
      if (!res.ok) return;
      setBoards(res.boards);
      setReadAt(Date.now());
    } catch {
      // The list is a convenience: it shows again with the next connection.
    }
  }, [socket]);

  useEffect(() => {
    if (!connected) return;
    const timer = setTimeout(() => void load(), 0);
    return () => clearTimeout(timer);
  }, [connected, load]);

  const restore = async (board: DeletedBoard) => {
    if (!socket) return;
    setBusy(board.id);
    try {
      const res = await socket.timeout(10_000).emitWithAck("board:restore", { boardId: board.id });
      if (!res.ok) throw new Error(res.error.message);
      toast.success(`Restored “${board.title}”`);
      setBoards((old) => old?.filter((b) => b.id !== board.id) ?? null);
      onRestored();
    } catch (err) {
      toast.error(`Could not restore “${board.title}”: ${(err as Error).message}`);
    } finally {
      setBusy(null);
    }
  };

  if (!boards || boards.length === 0) return null;
  return (
    <section aria-labelledby="deleted-title" className="space-y-3">
      <div>
        <h2 id="deleted-title" className="flex items-center gap-2 text-lg font-semibold text-slate-900">
          <Trash2 className="h-5 w-5 text-slate-500" aria-hidden /> Recently deleted
        </h2>
        <p className="text-sm text-slate-600">
          Boards you deleted stay here for 30 days, with their history, then they are gone for good.
        </p>
      </div>
      <ul
        className="divide-y divide-slate-200 rounded-2xl bg-white shadow-sm ring-1 ring-slate-200"
        data-testid="deleted-list"
      >
        {boards.map((b) => {
          const daysLeft = Math.max(0, Math.ceil((b.purgeAt - readAt) / DAY));
          return (
            <li key={b.id} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3">
              <div className="min-w-0">
                <p className="truncate font-medium text-slate-900">{b.title}</p>
                <p className="text-xs text-slate-600">
                  {b.widgets} {b.widgets === 1 ? "widget" : "widgets"} · deleted {formatDate(b.deletedAt)} ·{" "}
                  {daysLeft === 1 ? "1 day left" : `${daysLeft} days left`}
                </p>
              </div>
              <button
                type="button"
                className={button("secondary", "sm")}
                onClick={() => void restore(b)}
                disabled={busy !== null}
                aria-label={`Restore “${b.title}”`}
              >
                {busy === b.id ? (
                  <Loader2 className="h-4 w-4 animate-spin" aria-hidden />
                ) : (
                  <ArchiveRestore className="h-4 w-4" aria-hidden />
                )}
                Restore
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
