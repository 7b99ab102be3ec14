"use client";

import { Check, CloudOff, Loader2, Pencil } from "lucide-react";
import { useEffect, useMemo, useRef, useState } from "react";
import { LIMITS } from "@/lib/boards/limits";
import { mergeText } from "@/lib/boards/merge-text";
import type { NoteWidget as NoteWidgetType } from "@/lib/boards/types";
import { fieldRev, widgetKey } from "@/lib/client/field-keys";
import { useBoardContext } from "../board/BoardContext";
import { ConflictPanel } from "./ConflictPanel";
import { Markdown } from "./Markdown";
import { MentionTextarea } from "./MentionTextarea";

const SAVE_DELAY_MS = 600;

type SaveState = "idle" | "saving" | "saved" | "failed";

/**
 * A note: formatted text, edited as plain text in a textarea with debounced saves. Someone else's concurrent edit
 * of other words is merged by the server; one of the same words comes back as a conflict, and the editor keeps
 * the user's text and offers both versions.
 */
export function NoteWidget({ widget }: { widget: NoteWidgetType }) {
  const board = useBoardContext();
  const { submit, session, committed, canEdit, conflicts, acceptTheirs, state } = board;
  const key = widgetKey(widget.id, "text");
  const conflict = conflicts.get(key);
  const [draft, setDraft] = useState<string | null>(null);
  const [saveState, setSaveState] = useState<SaveState>("idle");
  const base = useRef(0);
  /** The committed text at `base`: what the draft was written from, so the server can merge others' edits. */
  const baseText = useRef("");
  const lastSent = useRef("");
  const latest = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const draftRef = useRef<string | null>(null);
  const conflictOpen = useRef(false);
  const editing = draft !== null;
  useEffect(() => {
    conflictOpen.current = conflict !== undefined;
  }, [conflict]);

  const members = useMemo(() => {
    const doc = board.doc;
    return [doc.owner, ...Object.keys(doc.members)].filter((n) => n !== board.me).sort();
  }, [board.doc, board.me]);
  // Stable while the members stay the same, so the rendered note below is not rebuilt on every board change.
  const memberKey = members.join("\n");
  const memberSet = useMemo(() => new Set(memberKey ? memberKey.split("\n") : []), [memberKey]);
  const rendered = useMemo(
    () => <Markdown text={widget.data.text} members={memberSet} />,
    [widget.data.text, memberSet],
  );

  const send = (text: string, baseRev: number) => {
    lastSent.current = text;
    const n = ++latest.current;
    setSaveState("saving");
    void submit({ type: "note.text", widgetId: widget.id, text, baseRev, baseText: baseText.current }).then(
      (outcome) => {
        if (n === latest.current) setSaveState(outcome.ok ? "saved" : "failed");
        if (!outcome.ok || outcome.entry.op.type !== "note.text") return;
        const merged = outcome.entry.op.text;
        // Only the newest save moves the editor's basis: an older one's later saves are still on their way, and
        // the outbox bases them on the text this client sent.
        if (merged === text || draftRef.current === null || n !== latest.current) return;
        if (session?.pendingBasis(key)) return;
        // The server merged someone else's words into this save: show them in the draft, keeping what was typed
        // since, and write on from the merged text.
        const draftNow = mergeText(text, draftRef.current, merged);
        if (draftNow === undefined) return;
        base.current = outcome.entry.rev;
        baseText.current = merged;
        lastSent.current = merged;
        draftRef.current = draftNow;
        setDraft(draftNow);
      },
    );
  };

  const flush = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    const text = draftRef.current;
    // While a conflict is open, nothing is saved until the user chooses.
    if (text !== null && text !== lastSent.current && !conflictOpen.current) send(text, base.current);
  };

  const begin = () => {
    if (!canEdit) return;
    // The draft is the text shown, this user's unacknowledged save included: its basis is that save's, not the
    // committed text's, or the server would take words someone else added since for words this user removed.
    const seen = committed.widgets[widget.id];
    const committedText = seen?.type === "note" ? seen.data.text : "";
    const pending = session?.pendingBasis(key);
    base.current = pending?.baseRev ?? fieldRev(committed, key);
    baseText.current = pending ? (pending.baseText ?? committedText) : committedText;
    lastSent.current = widget.data.text;
    draftRef.current = widget.data.text;
    setDraft(widget.data.text);
    setSaveState("idle");
    session?.setEditing(widget.id);
  };

  const end = () => {
    flush();
    draftRef.current = null;
    setDraft(null);
    session?.setEditing(null);
  };

  const change = (text: string) => {
    draftRef.current = text;
    setDraft(text);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => latestFlush.current(), SAVE_DELAY_MS);
  };

  // Timers and unmount call the latest flush, which sees the current conflict state and base.
  const latestFlush = useRef(flush);
  useEffect(() => {
    latestFlush.current = flush;
  });
  useEffect(
    () => () => {
      if (draftRef.current !== null) {
        latestFlush.current();
        session?.setEditing(null);
      }
    },
    [session],
  );

  const keepMine = () => {
    if (!conflict) return;
    acceptTheirs(conflict);
    conflictOpen.current = false;
    const mine = draftRef.current ?? (conflict.op.type === "note.text" ? conflict.op.text : "");
    base.current = conflict.rev;
    // Written over their text on purpose: based on it, so the server takes this text as it is.
    baseText.current = typeof conflict.current === "string" ? conflict.current : widget.data.text;
    send(mine, conflict.rev);
  };
  const useTheirs = () => {
    if (!conflict) return;
    acceptTheirs(conflict);
    conflictOpen.current = false;
    const theirs = typeof conflict.current === "string" ? conflict.current : widget.data.text;
    base.current = conflict.rev;
    baseText.current = theirs;
    lastSent.current = theirs;
    if (draftRef.current !== null) {
      draftRef.current = theirs;
      setDraft(theirs);
    }
    setSaveState("idle");
  };

  const mineText = draft ?? (conflict?.op.type === "note.text" ? conflict.op.text : "");
  const panel = conflict ? (
    <ConflictPanel
      title="Someone else changed this note while you were editing."
      theirs={<Markdown text={typeof conflict.current === "string" ? conflict.current : ""} />}
      mine={<p className="text-sm whitespace-pre-wrap text-slate-800">{mineText}</p>}
      onKeepMine={keepMine}
      onUseTheirs={useTheirs}
    />
  ) : null;

  if (editing) {
    return (
      <div className="flex h-full flex-col gap-2" data-note-editor>
        {panel}
        <div className="min-h-28 flex-1">
          <MentionTextarea
            aria-label="Note text"
            autoFocus
            value={draft}
            onValueChange={change}
            candidates={members}
            maxLength={LIMITS.noteText}
            onBlur={(e) => {
              // Keep editing when focus moves to this note's own controls (Done, Keep mine) or to another window.
              if (!document.hasFocus()) return;
              if (!e.currentTarget.closest("[data-note-editor]")?.contains(e.relatedTarget as Node | null))
                end();
            }}
            onKeyDown={(e) => {
              if (e.key === "Escape") end();
            }}
            placeholder="Write… **bold**, _italic_, `code`, - lists, [links](https://…), @name"
            className="h-full w-full resize-none rounded-lg border-0 bg-slate-50 p-2 font-mono text-sm text-slate-900 ring-1 ring-slate-200 focus:ring-2 focus:ring-indigo-500 focus:outline-none"
          />
        </div>
        <div className="flex items-center justify-between gap-2 text-xs text-slate-500">
          <SaveStatus state={saveState} conflict={!!conflict} offline={state.status !== "live"} />
          <span className="tabular-nums">
            {draft.length.toLocaleString()} / {LIMITS.noteText.toLocaleString()}
          </span>
          <button
            type="button"
            onClick={end}
            className="rounded-md bg-indigo-600 px-2.5 py-1 text-xs font-semibold text-white hover:bg-indigo-700"
          >
            Done
          </button>
        </div>
      </div>
    );
  }

  return (
    <div className="relative flex h-full flex-col gap-2">
      {panel}
      {widget.data.text ? (
        <div
          data-testid="note-body"
          onDoubleClick={canEdit ? begin : undefined}
          className="min-h-0 flex-1 overflow-auto pr-6"
        >
          {rendered}
        </div>
      ) : (
        <p className="pr-6 text-sm text-slate-500" data-testid="note-body">
          {canEdit ? "Empty note. Edit it to write; @name notifies a member." : "Empty note."}
        </p>
      )}
      {canEdit && !conflict ? (
        <button
          type="button"
          onClick={begin}
          aria-label="Edit note"
          title="Edit note"
          className="absolute top-0 right-0 rounded-md p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-700 focus-visible:outline-2 focus-visible:outline-indigo-500"
        >
          <Pencil className="h-4 w-4" aria-hidden />
        </button>
      ) : null}
    </div>
  );
}

function SaveStatus({ state, conflict, offline }: { state: SaveState; conflict: boolean; offline: boolean }) {
  if (conflict) return <span className="font-medium text-amber-700">Not saved: choose a version</span>;
  if (offline && state === "saving")
    return (
      <span className="flex items-center gap-1">
        <CloudOff className="h-3.5 w-3.5" aria-hidden /> Offline; saves when back
      </span>
    );
  if (state === "saving")
    return (
      <span className="flex items-center gap-1" role="status">
        <Loader2 className="h-3.5 w-3.5 animate-spin" aria-hidden /> Saving…
      </span>
    );
  if (state === "saved")
    return (
      <span className="flex items-center gap-1 text-emerald-700" role="status">
        <Check className="h-3.5 w-3.5" aria-hidden /> Saved
      </span>
    );
  if (state === "failed") return <span className="text-rose-700">Not saved</span>;
  return <span>Markdown and @mentions</span>;
}
