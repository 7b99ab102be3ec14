"use client";

import { Eye, LayoutDashboard, Loader2, Pencil, Plus, RefreshCw, Crown } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import type { BoardRole, BoardSummary } from "@/lib/boards/types";
import { formatAgo } from "@/lib/format";
import { btn } from "@/components/ui/styles";
import { CreateBoardDialog } from "./CreateBoardDialog";
import { useBoardList } from "./useBoardList";

const ROLE: Record<BoardRole, { label: string; icon: typeof Eye; tone: string }> = {
  owner: { label: "Owner", icon: Crown, tone: "bg-indigo-50 text-indigo-700" },
  editor: { label: "Editor", icon: Pencil, tone: "bg-emerald-50 text-emerald-700" },
  viewer: { label: "Viewer", icon: Eye, tone: "bg-slate-100 text-slate-600" },
};

function BoardCard({ board }: { board: BoardSummary }) {
  const role = ROLE[board.role];
  const RoleIcon = role.icon;
  return (
    <li>
      <Link
        href={`/boards/${board.id}`}
        className="flex h-full flex-col rounded-2xl bg-white p-4 shadow-sm ring-1 ring-slate-200 transition hover:shadow-md hover:ring-indigo-300 focus-visible:outline-2 focus-visible:outline-indigo-500"
      >
        <span className="flex items-start justify-between gap-2">
          <span className="min-w-0 truncate font-medium text-slate-900">{board.title}</span>
          <span
            className={`inline-flex shrink-0 items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ${role.tone}`}
          >
            <RoleIcon className="h-3 w-3" aria-hidden />
            {role.label}
          </span>
        </span>
        <span className="mt-3 text-xs text-slate-500">
          {board.widgets} {board.widgets === 1 ? "widget" : "widgets"}
          {board.role !== "owner" ? ` · by ${board.owner}` : ""} · updated {formatAgo(board.updatedAt)}
        </span>
      </Link>
    </li>
  );
}

/** The user's boards, newest activity first, with creation. */
export function BoardList() {
  const { state, reload } = useBoardList();
  const [creating, setCreating] = useState(false);
  const boards = state.boards;

  return (
    <section aria-labelledby="boards-title" className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="boards-title" className="flex items-center gap-2 text-lg font-semibold text-slate-900">
          <LayoutDashboard className="h-5 w-5 text-indigo-600" aria-hidden /> Your boards
          {state.status === "loading" && boards ? (
            <Loader2 className="h-4 w-4 animate-spin text-slate-400" aria-label="Refreshing" />
          ) : null}
        </h2>
        <div className="flex gap-2">
          <button
            type="button"
            onClick={() => void reload()}
            className={btn.icon}
            aria-label="Refresh the list"
          >
            <RefreshCw className="h-4 w-4" aria-hidden />
          </button>
          <button type="button" onClick={() => setCreating(true)} className={btn.primary}>
            <Plus className="h-4 w-4" aria-hidden /> New board
          </button>
        </div>
      </div>
      {state.status === "error" ? (
        <p
          role="alert"
          className="rounded-lg bg-rose-50 px-3 py-2 text-sm text-rose-800 ring-1 ring-rose-200"
        >
          Could not load your boards: {state.message}.{" "}
          <button type="button" onClick={() => void reload()} className="font-medium underline">
            Try again
          </button>
        </p>
      ) : null}
      {boards === null ? (
        <p className="flex items-center gap-2 py-8 text-sm text-slate-500" role="status">
          <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> Loading your boards…
        </p>
      ) : boards.length === 0 ? (
        <div className="rounded-2xl border-2 border-dashed border-slate-200 px-6 py-10 text-center">
          <p className="font-medium text-slate-700">No boards yet</p>
          <p className="mt-1 text-sm text-slate-500">Create one, or ask someone to share theirs with you.</p>
        </div>
      ) : (
        <ul className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3" data-testid="board-list">
          {boards.map((b) => (
            <BoardCard key={b.id} board={b} />
          ))}
        </ul>
      )}
      <CreateBoardDialog open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}
