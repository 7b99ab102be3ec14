"use client";

import { Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { Dialog, DialogActions } from "@/components/ui/Dialog";
import { ErrorNote } from "@/components/ui/ErrorNote";
import { useRealtime } from "../realtime/SocketProvider";

/** Deletes the board for everyone, after confirmation; viewers on it are told and sent away. */
export function DeleteBoardDialog(props: { open: boolean; onClose(): void; boardId: string; title: string }) {
  const { open, onClose, boardId, title } = props;
  const { socket, state } = useRealtime();
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const connected = state.status === "connected";

  const remove = async () => {
    if (!socket) return;
    setBusy(true);
    setError(null);
    try {
      const res = await socket.timeout(10_000).emitWithAck("board:delete", { boardId });
      if (!res.ok) throw new Error(res.error.message);
      toast.success(`Deleted “${title}”`, {
        description: "You can restore it from Recently deleted for 30 days.",
      });
      router.replace("/");
    } catch (err) {
      setError(`Could not delete it: ${(err as Error).message}`);
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={open}
      onClose={() => !busy && onClose()}
      title={`Delete “${title}”?`}
      description="The board is removed for everyone. You can restore it from Recently deleted on your home page for 30 days."
    >
      <ErrorNote className="mb-3">{error}</ErrorNote>
      {!connected ? <p className="mb-3 text-sm text-slate-600">Reconnect to delete this board.</p> : null}
      <DialogActions
        onCancel={onClose}
        busy={busy}
        disabled={!connected}
        tone="danger"
        icon={<Trash2 className="h-4 w-4" aria-hidden />}
        onConfirm={() => void remove()}
      >
        Delete board
      </DialogActions>
    </Dialog>
  );
}
