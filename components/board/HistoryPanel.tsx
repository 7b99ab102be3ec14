"use client";

import { History, Loader2, RotateCcw, X } from "lucide-react";
import { useCallback, useEffect, useId, useMemo, useState } from "react";
import { toast } from "sonner";
import { describeOp, groupHistory, widgetPhrase, wordDiff, type HistoryEntry } from "@/lib/boards/history";
import { revertOps } from "@/lib/boards/revert";
import type { BoardOp } from "@/lib/protocol/boards";
import { ErrorNote } from "@/components/ui/ErrorNote";
import { button, btn } from "@/components/ui/styles";
import { useRealtime } from "../realtime/SocketProvider";
import { useBoardContext } from "./BoardContext";
import { useUndoContext } from "./useUndo";

const PAGE = 50;

/** The widget an op is about, if any. */
function widgetIdOf(op: BoardOp): string | undefined {
  if (op.type === "widget.add") return op.widget.id;
  return "widgetId" in op ? op.widgetId : undefined;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

function when(at: number): string {
  const d = new Date(at);
  const today = new Date().toDateString() === d.toDateString();
  return today ? timeFormat.format(d) : `${dayFormat.format(d)}, ${timeFormat.format(d)}`;
}

/** A note edit as a word diff: removed words struck through, added ones highlighted. */
function TextDiff({ before, after }: { before: string; after: string }) {
  const parts = useMemo(() => wordDiff(before, after), [before, after]);
  if (!parts) return <p className="text-xs text-slate-500">Too different to compare word by word.</p>;
  return (
    <p className="mt-1 max-h-32 overflow-y-auto rounded bg-slate-50 px-2 py-1 text-xs break-words whitespace-pre-wrap text-slate-700">
      {parts.map((p, i) =>
        p.kind === "added" ? (
          <ins key={i} className="bg-emerald-100 text-emerald-900 no-underline">
            {p.text}
          </ins>
        ) : p.kind === "removed" ? (
          <del key={i} className="bg-rose-100 text-rose-900">
            {p.text}
          </del>
        ) : (
          <span key={i}>{p.text}</span>
        ),
      )}
    </p>
  );
}

/**
 * The board's history, newest first, grouped by person and minute, with a restore of one widget or of the whole
 * board to its state after any change. A restore is sent as new ops, and is one step of the user's undo.
 */
export function HistoryPanel({ onClose }: { onClose(): void }) {
  const { socket } = useRealtime();
  const { doc, committed, canEdit, state } = useBoardContext();
  const undo = useUndoContext();
  const headingId = useId();
  const [entries, setEntries] = useState<HistoryEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const boardId = doc.id;
  const head = committed.rev;

  const load = useCallback(
    async (beforeRev?: number) => {
      if (!socket) return;
      setLoading(true);
      try {
        const res = await socket
          .timeout(10_000)
          .emitWithAck("board:history", { boardId, limit: PAGE, ...(beforeRev ? { beforeRev } : {}) });
        if (!res.ok) throw new Error(res.error.message);
        setEntries((old) => (beforeRev ? [...old, ...res.entries] : res.entries));
        setNext(res.nextBeforeRev);
        setError(null);
      } catch (err) {
        setError(`Could not load the history: ${(err as Error).message}`);
      } finally {
        setLoading(false);
      }
    },
    [socket, boardId],
  );

  // The newest page again whenever the board moves on.
  useEffect(() => {
    const timer = setTimeout(() => void load(), 150);
    return () => clearTimeout(timer);
  }, [load, head]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  const restore = async (rev: number, widgetId?: string) => {
    if (!socket) return;
    const key = `${rev}:${widgetId ?? "board"}`;
    setBusy(key);
    try {
      const res = await socket.timeout(10_000).emitWithAck("board:revision", { boardId, rev });
      if (!res.ok) throw new Error(res.error.message);
      const ops = revertOps(committed, res.board, {
        ...(widgetId ? { widgetIds: [widgetId] } : {}),
        members: state.role === "owner",
      });
      if (ops.length === 0) {
        toast.info("Nothing to restore: it is already as it was then.");
        return;
      }
      const w = widgetId ? (res.board.widgets[widgetId] ?? doc.widgets[widgetId]) : undefined;
      const what = widgetId ? widgetPhrase({ widget: w && { type: w.type, title: w.title } }) : "the board";
      const outcomes = await undo.submitAll(ops, `restore ${what} to revision ${rev}`);
      const failed = outcomes.find((o) => !o.ok);
      if (failed && !failed.ok) {
        if (failed.error.code !== "CONFLICT")
          toast.error(`Not all of it was restored: ${failed.error.message}`);
      } else toast.success(`Restored ${what} to revision ${rev}`, { description: "Undo takes it back." });
    } catch (err) {
      toast.error(`Could not restore: ${(err as Error).message}`);
    } finally {
      setBusy(null);
    }
  };

  const groups = useMemo(() => groupHistory(entries), [entries]);

  return (
    <aside
      id="board-history"
      aria-labelledby={headingId}
      className="fixed inset-y-0 right-0 z-40 flex w-full max-w-md flex-col bg-white shadow-2xl ring-1 ring-slate-200"
      data-testid="history-panel"
    >
      <div className="flex items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
        <h2 id={headingId} className="flex items-center gap-2 font-semibold text-slate-900">
          <History className="h-4 w-4 text-indigo-600" aria-hidden /> History
        </h2>
        <button type="button" className={btn.icon} onClick={onClose} aria-label="Close history">
          <X className="h-4 w-4" aria-hidden />
        </button>
      </div>
      <div className="flex-1 space-y-4 overflow-y-auto px-4 py-3">
        <ErrorNote look="box">{error}</ErrorNote>
        {entries.length === 0 && !loading && !error ? (
          <p className="text-sm text-slate-600">No changes yet.</p>
        ) : null}
        <ol className="space-y-4" aria-label="Changes, newest first">
          {groups.map((g) => (
            <li key={`${g.entries[0]!.rev}`}>
              <p className="text-sm text-slate-900">
                <strong className="font-semibold">{g.by}</strong> {g.summary},{" "}
                <time dateTime={new Date(g.minute).toISOString()} className="text-slate-600">
                  {when(g.minute)}
                </time>
              </p>
              <ul className="mt-1 space-y-2 border-l-2 border-slate-200 pl-3">
                {g.entries.map((e) => {
                  const widgetId = widgetIdOf(e.op);
                  const text = describeOp(e.op, e.prior);
                  return (
                    <li key={e.rev} className="text-sm text-slate-700" data-testid="history-entry">
                      <div className="flex items-start justify-between gap-2">
                        <span className="min-w-0 break-words">
                          {text} <span className="text-xs text-slate-500 tabular-nums">rev {e.rev}</span>
                        </span>
                      </div>
                      {e.op.type === "note.text" && typeof e.prior?.value === "string" ? (
                        <TextDiff before={e.prior.value} after={e.op.text} />
                      ) : null}
                      {canEdit ? (
                        <div className="mt-1 flex flex-wrap gap-1">
                          {widgetId ? (
                            <button
                              type="button"
                              className={button("ghost", "xs")}
                              disabled={busy !== null}
                              onClick={() => void restore(e.rev, widgetId)}
                              aria-label={`Restore ${widgetPhrase(e.prior)} as of revision ${e.rev}`}
                            >
                              {busy === `${e.rev}:${widgetId}` ? (
                                <Loader2 className="h-3 w-3 animate-spin" aria-hidden />
                              ) : (
                                <RotateCcw className="h-3 w-3" aria-hidden />
                              )}
                              Restore widget
                            </button>
                          ) : null}
                          <button
                            type="button"
                            className={button("ghost", "xs")}
                            disabled={busy !== null}
                            onClick={() => void restore(e.rev)}
                            aria-label={`Restore the board as of revision ${e.rev}`}
                          >
                            <RotateCcw className="h-3 w-3" aria-hidden />
                            Restore board
                          </button>
                        </div>
                      ) : null}
                    </li>
                  );
                })}
              </ul>
            </li>
          ))}
        </ol>
        {loading ? (
          <p className="flex items-center gap-2 text-sm text-slate-600" role="status">
            <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> Loading…
          </p>
        ) : next ? (
          <button type="button" className={button("secondary", "sm")} onClick={() => void load(next)}>
            Load older changes
          </button>
        ) : null}
      </div>
    </aside>
  );
}
