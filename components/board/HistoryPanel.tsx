"use client";

import { History, Loader2, RotateCcw, X } from "lucide-react";
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type ReactNode,
  type RefObject,
} from "react";
import { toast } from "sonner";
import {
  describeOp,
  groupHistory,
  widgetIdOf,
  widgetPhrase,
  withNewest,
  withOlder,
  wordDiff,
  type HistoryPage,
  type HistoryPages,
} from "@/lib/boards/history";
import { phraseOf, restorePlan, type RestorePlan } from "@/lib/boards/revert";
import { formatWhen, isoTime } from "@/lib/format";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { ErrorNote } from "@/components/ui/ErrorNote";
import { button, btn } from "@/components/ui/styles";
import { useRealtime } from "../realtime/SocketProvider";
import { useBoardContext } from "./BoardContext";
import { useUndoContext } from "./useUndo";

const PAGE = 50;
/** Pages read to reach the newest change shown, before the list starts over from the newest page. */
const CATCH_UP_PAGES = 4;

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

/** Whether the history panel is open, for the header's button and the board's layout. */
export interface HistoryPanelControl {
  open: boolean;
  toggle(): void;
  /** Closes the panel and gives the focus back to the button that opened it. */
  close(): void;
  /** The header's History button. */
  triggerRef: RefObject<HTMLButtonElement | null>;
}

const HistoryPanelContext = createContext<HistoryPanelControl | null>(null);

export function HistoryPanelProvider({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const value = useMemo<HistoryPanelControl>(
    () => ({
      open,
      triggerRef,
      toggle: () => setOpen((o) => !o),
      close: () => {
        setOpen(false);
        triggerRef.current?.focus();
      },
    }),
    [open],
  );
  return <HistoryPanelContext.Provider value={value}>{children}</HistoryPanelContext.Provider>;
}

export function useHistoryPanel(): HistoryPanelControl {
  const value = useContext(HistoryPanelContext);
  if (!value) throw new Error("useHistoryPanel must be used inside a board");
  return value;
}

/**
 * The board with the history panel when it is open: beside the board on wide screens (the board shrinks to make
 * room), between the header and the board on narrow ones. Nothing of the header is covered.
 */
export function WithHistoryPanel({ children }: { children: ReactNode }) {
  const { open, close } = useHistoryPanel();
  return (
    <div className="flex flex-col gap-4 lg:flex-row lg:items-start">
      <div className="min-w-0 flex-1">{children}</div>
      {open ? <HistoryPanel onClose={close} /> : null}
    </div>
  );
}

/**
 * The board's history, newest first, grouped by person and minute, with a restore of one widget or of the whole
 * board to its state after any change. A restore is sent as new ops, and is one step of the user's undo.
 */
export function HistoryPanel({ onClose }: { onClose(): void }) {
  const { socket } = useRealtime();
  const { doc, committed, canEdit } = useBoardContext();
  const undo = useUndoContext();
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [pages, setPages] = useState<HistoryPages>({ entries: [], next: null });
  const pagesRef = useRef(pages);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [pending, setPending] = useState<PendingRestore | null>(null);
  const [restoring, setRestoring] = useState(false);
  const boardId = doc.id;
  const head = committed.rev;
  const { entries, next } = pages;

  const show = useCallback((p: HistoryPages) => {
    pagesRef.current = p;
    setPages(p);
  }, []);

  const fetchPage = useCallback(
    async (beforeRev?: number): Promise<HistoryPage> => {
      if (!socket) throw new Error("not connected");
      const res = await socket
        .timeout(10_000)
        .emitWithAck("board:history", { boardId, limit: PAGE, ...(beforeRev ? { beforeRev } : {}) });
      if (!res.ok) throw new Error(res.error.message);
      return res;
    },
    [socket, boardId],
  );

  const track = useCallback(async (work: () => Promise<void>) => {
    setLoading(true);
    try {
      await work();
      setError(null);
    } catch (err) {
      setError(`Could not load the history: ${(err as Error).message}`);
    } finally {
      setLoading(false);
    }
  }, []);

  /**
   * The newest changes, on top of what is loaded: pages are read until they reach the newest change shown, so
   * older pages the user loaded stay. After more changes than `CATCH_UP_PAGES` hold, the list starts over.
   */
  const refresh = useCallback(
    () =>
      track(async () => {
        let fresh: HistoryPages | undefined;
        for (let i = 0; i < CATCH_UP_PAGES; i++) {
          const page = await fetchPage(fresh?.next ?? undefined);
          fresh = fresh
            ? withOlder(fresh, fresh.next!, page)
            : { entries: [...page.entries], next: page.nextBeforeRev };
          const merged = withNewest(pagesRef.current, { entries: fresh.entries, nextBeforeRev: fresh.next });
          if (merged) return show(merged);
        }
        if (fresh) show(fresh);
      }),
    [fetchPage, track, show],
  );

  const loadOlder = (beforeRev: number) =>
    void track(async () => {
      const page = await fetchPage(beforeRev);
      show(withOlder(pagesRef.current, beforeRev, page));
    });

  // The newest changes whenever the board moves on.
  useEffect(() => {
    const timer = setTimeout(() => void refresh(), 150);
    return () => clearTimeout(timer);
  }, [refresh, head]);

  // Focus moves into the panel when it opens.
  useEffect(() => headingRef.current?.focus(), []);

  /** Reads the board as it was at `rev` and asks before restoring it (see `RestoreConfirm`). */
  const prepareRestore = async (rev: number, widgetId?: string) => {
    if (!socket) return;
    setBusy(`${rev}:${widgetId ?? "board"}`);
    try {
      const res = await socket.timeout(10_000).emitWithAck("board:revision", { boardId, rev });
      if (!res.ok) throw new Error(res.error.message);
      const plan = restorePlan(committed, res.board, widgetId);
      if (plan.ops.length === 0) toast.info("Nothing to restore: it is already as it was then.");
      else setPending({ rev, plan });
    } catch (err) {
      toast.error(`Could not restore: ${(err as Error).message}`);
    } finally {
      setBusy(null);
    }
  };

  /** Sends a confirmed restore: all of it, or nothing (what was sent already is taken back). */
  const restore = async ({ rev, plan }: PendingRestore) => {
    setRestoring(true);
    try {
      const result = await undo.restore(plan.ops, `restore ${plan.what} to revision ${rev}`);
      setPending(null);
      if (result.ok) {
        toast.success(`Restored ${plan.what} to revision ${rev}`, { description: "Undo takes it back." });
      } else if (result.rolledBack) {
        toast.error(`Nothing was restored: ${result.error.message}`, {
          description: "What had been restored already was taken back. The board is as it was before.",
        });
      } else {
        toast.error(`Only part of it was restored: ${result.error.message}`, {
          description: "Taking back the part restored failed too. Undo, or check the board.",
        });
      }
    } finally {
      setRestoring(false);
    }
  };

  const groups = useMemo(() => groupHistory(entries), [entries]);

  return (
    <aside
      id="board-history"
      aria-labelledby={headingId}
      // Below the header, above the board on narrow screens; beside the board, which shrinks, on wide ones.
      className="order-first flex max-h-[60dvh] w-full flex-col rounded-2xl bg-white shadow-sm ring-1 ring-slate-200 lg:sticky lg:top-4 lg:order-none lg:max-h-[calc(100dvh-2rem)] lg:w-96 lg:shrink-0"
      data-testid="history-panel"
      onKeyDown={(e) => {
        if (e.key !== "Escape" || e.defaultPrevented) return;
        e.preventDefault();
        onClose();
      }}
    >
      <div className="flex items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
        <h2
          id={headingId}
          ref={headingRef}
          tabIndex={-1}
          className="flex items-center gap-2 font-semibold text-slate-900 outline-none"
        >
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
                <time dateTime={isoTime(g.minute)} className="text-slate-600">
                  {formatWhen(g.minute)}
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
                              onClick={() => void prepareRestore(e.rev, widgetId)}
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
                            onClick={() => void prepareRestore(e.rev)}
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
          <button type="button" className={button("secondary", "sm")} onClick={() => loadOlder(next)}>
            Load older changes
          </button>
        ) : null}
      </div>
      <RestoreConfirm
        pending={pending}
        busy={restoring}
        onConfirm={() => pending && void restore(pending)}
        onCancel={() => setPending(null)}
      />
    </aside>
  );
}

interface PendingRestore {
  rev: number;
  plan: RestorePlan;
}

/** What a restore will do, before it does it: members are left alone, widgets added since are removed. */
function RestoreConfirm(props: {
  pending: PendingRestore | null;
  busy: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  const { pending, busy, onConfirm, onCancel } = props;
  const whole = pending?.plan.what === "the board";
  const removes = pending?.plan.removes ?? [];
  return (
    <ConfirmDialog
      open={pending !== null}
      title={whole ? "Restore the board?" : "Restore the widget?"}
      confirmLabel="Restore"
      busyLabel="Restoring…"
      tone={removes.length > 0 ? "danger" : "primary"}
      busy={busy}
      onConfirm={onConfirm}
      onCancel={() => !busy && onCancel()}
    >
      <p>
        {pending
          ? `${capitalized(pending.plan.what)} goes back to how it was at revision ${pending.rev}. `
          : ""}
        This is one step: Undo takes it all back. If part of it cannot be made, none of it is kept.
      </p>
      {whole ? <p>Members and their access are not changed by a restore; change them in Share.</p> : null}
      {removes.length > 0 ? (
        <p>
          It removes {removes.map((w) => phraseOf(w)).join(", ")}, added after that revision, with every
          change made to {removes.length === 1 ? "it" : "them"} since, by anyone.
        </p>
      ) : null}
    </ConfirmDialog>
  );
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
