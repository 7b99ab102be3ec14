"use client";

import { ArrowLeft, Eye, Share2, Trash2, Users } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { LIMITS } from "@/lib/boards/limits";
import { boardTitleKey, fieldRev } from "@/lib/client/field-keys";
import { InlineEdit } from "@/components/ui/InlineEdit";
import { btn } from "@/components/ui/styles";
import { BoardTasksButton } from "../tasks/BoardTasks";
import { AddWidgetMenu } from "./AddWidgetMenu";
import { useBoardContext } from "./BoardContext";
import { DeleteBoardDialog } from "./DeleteBoardDialog";
import { PendingChanges } from "./PendingChanges";
import { PresenceAvatars } from "./PresenceAvatars";
import { ShareDialog } from "./ShareDialog";
import { SyncBadge } from "./SyncBadge";
import { UndoButtons } from "./UndoButtons";

export function BoardHeader() {
  const { doc, committed, state, canEdit, submit, me } = useBoardContext();
  const [sharing, setSharing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const isOwner = state.role === "owner";
  const memberCount = Object.keys(doc.members).length + 1;

  return (
    <div className="mb-4 space-y-2">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
        <Link href="/" className={btn.icon} aria-label="Back to your boards" title="Your boards">
          <ArrowLeft className="h-5 w-5" aria-hidden />
        </Link>
        <h1
          className="flex min-w-0 flex-1 text-xl font-semibold text-slate-900 sm:text-2xl"
          data-testid="board-title"
        >
          <InlineEdit
            value={doc.title}
            base={fieldRev(committed, boardTitleKey)}
            label="Board title"
            maxLength={LIMITS.boardTitle}
            required
            disabled={!canEdit}
            onSave={(title, baseRev) => void submit({ type: "board.rename", title, baseRev })}
            className="-ml-1.5"
            wrap
          />
        </h1>
        <div className="flex flex-wrap items-center gap-2">
          <PresenceAvatars viewers={state.presence} me={me} />
          <UndoButtons />
          <button type="button" onClick={() => setSharing(true)} className={btn.secondary}>
            {isOwner ? <Share2 className="h-4 w-4" aria-hidden /> : <Users className="h-4 w-4" aria-hidden />}
            <span className="hidden sm:inline">{isOwner ? "Share" : "Members"}</span>
            <span className="sr-only sm:hidden">{isOwner ? "Share" : "Members"}</span>
            <span className="rounded-full bg-slate-100 px-1.5 text-xs text-slate-600">{memberCount}</span>
          </button>
          <BoardTasksButton boardId={doc.id} />
          {isOwner ? (
            <button
              type="button"
              onClick={() => setDeleting(true)}
              className={btn.icon}
              aria-label="Delete board"
            >
              <Trash2 className="h-4 w-4" aria-hidden />
            </button>
          ) : null}
          {canEdit ? <AddWidgetMenu /> : null}
        </div>
      </div>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-1 pl-11 text-xs text-slate-500">
        <SyncBadge state={state} />
        <PendingChanges state={state} />
        {state.role === "viewer" ? (
          <span className="inline-flex items-center gap-1 rounded-full bg-slate-100 px-2 py-0.5 font-medium text-slate-600">
            <Eye className="h-3.5 w-3.5" aria-hidden /> View only
          </span>
        ) : null}
        <span>
          Owner <strong className="font-medium text-slate-700">{doc.owner}</strong>
        </span>
        <span
          className="tabular-nums"
          title="Board revision: the number of changes so far"
          data-testid="board-rev"
        >
          rev {committed.rev}
        </span>
      </div>
      <ShareDialog open={sharing} onClose={() => setSharing(false)} />
      <DeleteBoardDialog
        open={deleting}
        onClose={() => setDeleting(false)}
        boardId={doc.id}
        title={doc.title}
      />
    </div>
  );
}
