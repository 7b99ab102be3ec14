"use client";

import { History, Redo2, Undo2 } from "lucide-react";
import { btn } from "@/components/ui/styles";
import { useBoardContext } from "./BoardContext";
import { useHistoryPanel } from "./HistoryPanel";
import { useUndoContext } from "./useUndo";

const isMac = () => typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

/** The board header's undo, redo and history buttons; the history panel opens beside the board. */
export function UndoButtons() {
  const { canEdit } = useBoardContext();
  const undo = useUndoContext();
  const { open: historyOpen, toggle: toggleHistory, triggerRef } = useHistoryPanel();
  const mod = isMac() ? "⌘" : "Ctrl+";

  return (
    <>
      {canEdit ? (
        <>
          <button
            type="button"
            className={btn.icon}
            onClick={() => void undo.undo()}
            disabled={!undo.canUndo}
            aria-label={undo.undoLabel ? `Undo: ${undo.undoLabel}` : "Undo"}
            title={`Undo${undo.undoLabel ? `: ${undo.undoLabel}` : ""} (${mod}Z)`}
            aria-keyshortcuts="Control+Z Meta+Z"
          >
            <Undo2 className="h-4 w-4" aria-hidden />
          </button>
          <button
            type="button"
            className={btn.icon}
            onClick={() => void undo.redo()}
            disabled={!undo.canRedo}
            aria-label={undo.redoLabel ? `Redo: ${undo.redoLabel}` : "Redo"}
            title={`Redo${undo.redoLabel ? `: ${undo.redoLabel}` : ""} (${mod}Shift+Z)`}
            aria-keyshortcuts="Control+Shift+Z Meta+Shift+Z"
          >
            <Redo2 className="h-4 w-4" aria-hidden />
          </button>
        </>
      ) : null}
      <button
        type="button"
        className={btn.icon}
        ref={triggerRef}
        onClick={toggleHistory}
        aria-label="History"
        aria-expanded={historyOpen}
        aria-controls="board-history"
        title="History of this board"
      >
        <History className="h-4 w-4" aria-hidden />
      </button>
    </>
  );
}
