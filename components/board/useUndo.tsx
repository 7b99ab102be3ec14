"use client";

import { createContext, useContext, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { toast } from "sonner";
import { describeOp, othersWhoChanged, priorOf } from "@/lib/boards/history";
import { phraseOf } from "@/lib/boards/revert";
import type { Widget } from "@/lib/boards/types";
import type { BoardOpInput } from "@/lib/protocol/boards";
import { boardOpSchema, HISTORY_PAGE_MAX } from "@/lib/protocol/boards";
import type { OpOutcome } from "@/lib/client/board-session";
import { UndoHistory, type RestoreResult, type UndoResult, type UndoState } from "@/lib/client/undo-history";
import { undoKeyAction } from "@/lib/client/undo-keys";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { useRealtime } from "../realtime/SocketProvider";
import type { BoardHandle } from "./useBoard";

const IDLE: UndoState = { canUndo: false, canRedo: false, undoLabel: null, redoLabel: null };

export interface UndoHandle extends UndoState {
  /** Sends a change of the user's as one undoable step. */
  submit(op: BoardOpInput): Promise<OpOutcome>;
  /** Sends several ops (a restore) as one undoable step, all or nothing (see `UndoHistory.restore`). */
  restore(ops: readonly BoardOpInput[], label: string): Promise<RestoreResult>;
  undo(): Promise<void>;
  redo(): Promise<void>;
  /** An undo waiting for the user to confirm that it removes widgets someone else changed since. */
  removal: PendingRemoval | null;
}

interface PendingRemoval {
  widgets: readonly Widget[];
  label: string;
  /** Who changed them since, when the board's history tells. */
  by: readonly string[];
  answer(remove: boolean): void;
}

const UndoContext = createContext<UndoHandle | null>(null);
export const UndoProvider = UndoContext.Provider;

/** The board's undo and redo, for the header's buttons and the history panel. */
export function useUndoContext(): UndoHandle {
  const value = useContext(UndoContext);
  if (!value) throw new Error("useUndoContext must be used inside a board");
  return value;
}

/** Removals that a toast offers to take back at once. */
function removalOf(op: BoardOpInput): string | null {
  if (op.type === "widget.remove") return "Widget removed";
  if (op.type === "checklist.remove") return "Item removed";
  if (op.type === "member.set" && op.role === null) return `${op.user} removed from the board`;
  return null;
}

/** What a refused undo tells the user; a conflict is shown by the board itself, with its choice. */
function tell(result: UndoResult, what: "undo" | "redo"): void {
  if (result.ok) return;
  if (!result.error) {
    toast.info(what === "undo" ? "Nothing to undo" : "Nothing to redo");
    return;
  }
  if (result.error.code !== "CONFLICT") toast.error(`Could not ${what}: ${result.error.message}`);
}

/**
 * Undo and redo of this user's changes on the open board, in this tab (`UndoHistory`): every change made through
 * the returned `submit` is recorded; Ctrl/Cmd+Z and Shift+Ctrl/Cmd+Z undo and redo outside text fields; a removal
 * shows a toast with Undo.
 */
export function useUndo(board: BoardHandle): UndoHandle {
  const { session, me } = board;
  const { socket } = useRealtime();
  const [removal, setRemoval] = useState<PendingRemoval | null>(null);
  // One history per session: a new board (or a new socket) starts empty.
  const current = useMemo(
    () =>
      session
        ? new UndoHistory({
            submit: (op) => session.submit(op),
            view: () => session.getState().doc,
            confirmRemoval: async (widgets, label, since) => {
              let by: string[] = [];
              try {
                const res = await socket
                  ?.timeout(5_000)
                  .emitWithAck("board:history", { boardId: session.boardId, limit: HISTORY_PAGE_MAX });
                if (res?.ok)
                  by = othersWhoChanged(
                    res.entries,
                    widgets.map((w) => w.id),
                    since,
                    me ?? "",
                  );
              } catch {
                // Without the history, the question does not name anyone.
              }
              return new Promise<boolean>((resolve) =>
                setRemoval({
                  widgets,
                  label,
                  by,
                  answer: (remove) => {
                    setRemoval(null);
                    resolve(remove);
                  },
                }),
              );
            },
          })
        : null,
    [session, socket, me, setRemoval],
  );
  const state = useSyncExternalStore(
    (fn) => current?.subscribe(fn) ?? (() => {}),
    () => current?.getState() ?? IDLE,
    () => IDLE,
  );

  const handle = useMemo<UndoHandle>(() => {
    const fallback = board.submit;
    const undo = async () => {
      if (current) tell(await current.undo(), "undo");
    };
    const redo = async () => {
      if (current) tell(await current.redo(), "redo");
    };
    return {
      ...state,
      undo,
      redo,
      removal,
      async submit(op) {
        if (!current) return fallback(op);
        const view = session?.getState().doc;
        const parsed = boardOpSchema.safeParse(op);
        const label =
          view && parsed.success ? describeOp(parsed.data, priorOf(view, parsed.data)) : "the change";
        const removal = removalOf(op);
        const { step, outcomes } = current.submitAll([op], label);
        const outcome = (await outcomes)[0]!;
        if (outcome.ok && removal && step) {
          const history = current;
          toast.success(removal, {
            // Long enough to reach it after closing the dialog the removal was made in (sharing).
            duration: 10_000,
            description: label.charAt(0).toUpperCase() + label.slice(1),
            action: {
              label: "Undo",
              onClick: () => void history.undo(step.id).then((r) => tell(r, "undo")),
            },
          });
        }
        return outcome;
      },
      async restore(ops, label) {
        if (current) return current.restore(ops, label);
        const failed = (await Promise.all(ops.map(fallback))).find((o) => !o.ok);
        return failed && !failed.ok
          ? { ok: false, error: failed.error, rolledBack: false }
          : { ok: true, step: null };
      },
    };
  }, [state, current, session, board.submit, removal]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = undoKeyAction({
        key: e.key,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        shiftKey: e.shiftKey,
        altKey: e.altKey,
        target: e.target instanceof HTMLElement ? e.target : null,
      });
      // A dialog (sharing, a confirmation) has its own keys; the board's undo waits until it is closed.
      if (!action || !board.canEdit || document.querySelector("dialog[open]")) return;
      e.preventDefault();
      void (action === "undo" ? handle.undo() : handle.redo());
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [handle, board.canEdit]);

  return handle;
}

/**
 * Asks before an undo removes widgets that someone else changed after the user's own change (undoing an add would
 * drop their edits with them).
 */
export function UndoRemovalConfirm() {
  const { removal } = useUndoContext();
  const names = removal?.widgets.map((w) => phraseOf(w)).join(", ") ?? "";
  const who = removal?.by.length ? removal.by.join(", ") : "Someone else";
  return (
    <ConfirmDialog
      open={removal !== null}
      title="Remove a widget someone else changed?"
      confirmLabel="Remove it anyway"
      busyLabel="Removing…"
      tone="danger"
      busy={false}
      onConfirm={() => removal?.answer(true)}
      onCancel={() => removal?.answer(false)}
    >
      <p>
        This undo removes {names}. {who} changed it after you, and those changes would be removed with it.
      </p>
      <p>Cancel keeps it as it is; the undo stays available.</p>
    </ConfirmDialog>
  );
}
