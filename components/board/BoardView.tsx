"use client";

import { Ban, LayoutDashboard, Loader2, SearchX, Trash2 } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useMemo } from "react";
import { toast } from "sonner";
import { decodeFieldKey } from "@/lib/boards/field-key";
import type { OpConflict, OpRejected } from "@/lib/client/board-session";
import { boardTitleKey } from "@/lib/client/field-keys";
import { btn } from "@/components/ui/styles";
import { BoardGrid } from "./BoardGrid";
import { BoardProvider, type BoardContextValue } from "./BoardContext";
import { BoardHeader } from "./BoardHeader";
import { HistoryPanelProvider, WithHistoryPanel } from "./HistoryPanel";
import { useBoard } from "./useBoard";
import { UndoProvider, UndoRemovalConfirm, useUndo } from "./useUndo";
import { BoardTasksProvider } from "../tasks/BoardTasks";

/**
 * Fields whose conflicts a widget shows in place: its own fields (a note's text, a KPI's value); item fields,
 * titles and layouts are told in a toast.
 */
function shownInPlace(key: string): boolean {
  const ref = decodeFieldKey(key);
  return (
    ref !== undefined &&
    "widgetId" in ref &&
    ref.item === undefined &&
    !["title", "layout"].includes(ref.field)
  );
}

function describe(c: OpConflict): string {
  if (c.field === "layout")
    return "Someone else moved or resized this widget first; it is back where they put it.";
  if (c.key === boardTitleKey) return "Someone else renamed the board first.";
  if (c.field === "title") return "Someone else renamed this widget first.";
  if (c.itemId) return "Someone else changed this checklist item first.";
  return c.message;
}

/** A live board: header, grid of widgets, cursors; or why it cannot be shown. */
export function BoardView({ boardId }: { boardId: string }) {
  const router = useRouter();
  const board = useBoard(boardId, {
    onConflict: (c) => {
      if (shownInPlace(c.key)) {
        toast.warning("Your change conflicts with someone else's", {
          description: "Both versions are shown beside the widget: choose one.",
        });
        return;
      }
      if (c.field === "layout") {
        board.acceptTheirs(c);
        toast.warning(describe(c));
        return;
      }
      toast.warning(describe(c), {
        description: "Their version is shown.",
        action: { label: "Keep mine", onClick: () => void board.keepMine(c) },
        onDismiss: () => board.acceptTheirs(c),
        onAutoClose: () => board.acceptTheirs(c),
      });
    },
    onRejected: (r: OpRejected) => toast.error(`Not saved: ${r.error.message}`),
  });
  const { state } = board;
  const undo = useUndo(board);

  // Deleting the board oneself: the delete dialog navigates away; do not show "deleted" in between.
  const closedByMe = state.closed?.reason === "deleted" && state.closed.by === board.me;
  useEffect(() => {
    if (closedByMe) router.replace("/");
  }, [closedByMe, router]);

  const title = state.doc?.title;
  useEffect(() => {
    if (title) document.title = `${title} · Pulseboard`;
  }, [title]);

  const value = useMemo<BoardContextValue | null>(
    () =>
      state.doc && state.committed
        ? { ...board, submit: undo.submit, doc: state.doc, committed: state.committed }
        : null,
    [board, undo.submit, state.doc, state.committed],
  );

  if (state.status === "closed" && state.closed && !closedByMe) {
    const { reason, by } = state.closed;
    return (
      <Notice
        icon={reason === "deleted" ? Trash2 : reason === "access-revoked" ? Ban : SearchX}
        title={
          reason === "deleted"
            ? "This board was deleted"
            : reason === "access-revoked"
              ? "You no longer have access to this board"
              : "This board is no longer available"
        }
        body={
          reason === "deleted"
            ? `${by ?? "Its owner"} deleted it. Changes you had not saved yet are lost.`
            : reason === "access-revoked"
              ? `${by ?? "The owner"} removed you from it.`
              : "It was deleted, or it is no longer shared with you."
        }
      />
    );
  }
  if (state.status === "failed") {
    return (
      <Notice
        icon={SearchX}
        title="Board not found"
        body="It does not exist, or it is not shared with you. Ask its owner to share it."
      />
    );
  }
  if (!value) {
    return (
      <div className="flex items-center justify-center gap-2 py-24 text-sm text-slate-600" role="status">
        <Loader2 className="h-5 w-5 animate-spin text-indigo-600" aria-hidden />
        {state.status === "offline" ? "Waiting for the connection to open the board…" : "Opening the board…"}
      </div>
    );
  }
  return (
    <BoardProvider value={value}>
      <UndoProvider value={undo}>
        <UndoRemovalConfirm />
        <BoardTasksProvider boardId={boardId}>
          <HistoryPanelProvider>
            <BoardHeader />
            <WithHistoryPanel>
              <BoardGrid
                empty={
                  <div className="flex flex-col items-center justify-center gap-2 rounded-2xl border-2 border-dashed border-slate-200 py-20 text-center">
                    <LayoutDashboard className="h-8 w-8 text-slate-300" aria-hidden />
                    <p className="font-medium text-slate-700">This board is empty</p>
                    <p className="max-w-sm text-sm text-slate-500">
                      {board.canEdit
                        ? "Add a note, a KPI, a checklist or a live chart with “Add widget”."
                        : "Widgets appear here as soon as an editor adds them."}
                    </p>
                  </div>
                }
              />
            </WithHistoryPanel>
          </HistoryPanelProvider>
        </BoardTasksProvider>
      </UndoProvider>
    </BoardProvider>
  );
}

function Notice({ icon: Icon, title, body }: { icon: typeof Ban; title: string; body: string }) {
  return (
    <div
      className="mx-auto mt-16 max-w-md rounded-2xl bg-white p-8 text-center shadow-sm ring-1 ring-slate-200"
      role="alert"
    >
      <Icon className="mx-auto h-10 w-10 text-slate-400" aria-hidden />
      <h1 className="mt-3 text-lg font-semibold text-slate-900">{title}</h1>
      <p className="mt-1 text-sm text-slate-600">{body}</p>
      <Link href="/" className={`${btn.primary} mt-5`}>
        Back to your boards
      </Link>
    </div>
  );
}
