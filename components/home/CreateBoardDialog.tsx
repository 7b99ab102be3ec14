"use client";

import { Plus } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { LIMITS } from "@/lib/boards/limits";
import { Dialog, DialogActions } from "@/components/ui/Dialog";
import { ErrorNote } from "@/components/ui/ErrorNote";
import { btn } from "@/components/ui/styles";
import { useRealtime } from "../realtime/SocketProvider";

/** Names a new board, creates it and opens it. */
export function CreateBoardDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const { socket, state } = useRealtime();
  const router = useRouter();
  const [title, setTitle] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const connected = state.status === "connected";

  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (!socket || !title.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const res = await socket.timeout(10_000).emitWithAck("board:create", { title: title.trim() });
      if (!res.ok) throw new Error(res.error.message);
      router.push(`/boards/${res.board.id}`);
    } catch (err) {
      setError(`Could not create the board: ${(err as Error).message}`);
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={open}
      onClose={() => {
        if (busy) return;
        setTitle("");
        setError(null);
        onClose();
      }}
      title="New board"
      description="You own it; share it with others once it is open."
    >
      <form onSubmit={(e) => void create(e)} className="space-y-3">
        <label className="block">
          <span className="text-sm font-medium text-slate-700">Title</span>
          <input
            autoFocus
            required
            value={title}
            maxLength={LIMITS.boardTitle}
            onChange={(e) => setTitle(e.target.value)}
            placeholder="e.g. Launch week"
            className={`${btn.input} mt-1`}
          />
        </label>
        <ErrorNote>{error}</ErrorNote>
        {!connected ? <p className="text-sm text-slate-600">Waiting for the connection…</p> : null}
        <DialogActions
          onCancel={onClose}
          busy={busy}
          disabled={!connected || !title.trim()}
          icon={<Plus className="h-4 w-4" aria-hidden />}
        >
          Create board
        </DialogActions>
      </form>
    </Dialog>
  );
}
