"use client";

import { Check, CloudOff, Loader2, Pencil } from "lucide-react";
import { useEffect, useMemo, useState, useSyncExternalStore } from "react";
import type { NoteWidget as NoteWidgetType } from "@/lib/boards/types";
import { NoteEditor, type SaveState } from "@/lib/client/field-editor";
import { useBoardContext } from "../../board/BoardContext";
import { ConflictPanel } from "../ConflictPanel";
import { Markdown } from "./Markdown";
import { MentionTextarea } from "./MentionTextarea";
import { useEditorHost } from "../useEditorHost";
import { NOTE_LIMITS } from "@/lib/boards/widgets/note";
import { formatCount } from "@/lib/format";

/**
 * A note: formatted text, edited as plain text in a textarea with debounced saves. Someone else's concurrent edit
 * of other words is merged by the server; one of the same words comes back as a conflict, and the editor keeps
 * the user's text and offers both versions.
 */
export function NoteWidget({ widget }: { widget: NoteWidgetType }) {
  const board = useBoardContext();
  const { committed, canEdit, conflicts, acceptTheirs, state } = board;
  const host = useEditorHost();
  const [editor] = useState(() => new NoteEditor({ widgetId: widget.id, host }));
  const { draft, saveState } = useSyncExternalStore(editor.subscribe, editor.getState, editor.getState);
  const conflict = conflicts.get(editor.key);
  const editing = draft !== null;
  useEffect(() => editor.setConflictOpen(conflict !== undefined), [editor, conflict]);
  useEffect(() => () => editor.dispose(), [editor]);

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

  const begin = () => {
    if (canEdit) editor.begin(committed, widget.data.text);
  };
  const end = () => editor.end();
  const change = (text: string) => editor.change(text);
  const textConflict = (c: NonNullable<typeof conflict>) => ({
    rev: c.rev,
    current: c.current,
    mine: c.op.type === "note.text" ? c.op.text : "",
  });
  const keepMine = () => {
    if (!conflict) return;
    acceptTheirs(conflict);
    editor.keepMine(textConflict(conflict), widget.data.text);
  };
  const useTheirs = () => {
    if (!conflict) return;
    acceptTheirs(conflict);
    editor.useTheirs(textConflict(conflict), widget.data.text);
  };

  const mineText = draft ?? (conflict?.op.type === "note.text" ? conflict.op.text : "");
  const panel = conflict ? (
    <ConflictPanel
      what="note"
      by={conflict.by}
      theirs={typeof conflict.current === "string" ? conflict.current : ""}
      mine={mineText}
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
            maxLength={NOTE_LIMITS.text}
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
            {formatCount(draft.length)} / {formatCount(NOTE_LIMITS.text)}
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
