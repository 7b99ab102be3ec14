"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { toast } from "sonner";
import type { BoardServerEvents } from "@/lib/protocol/boards";
import { useRealtime } from "../realtime/SocketProvider";

type AccessChange = Parameters<BoardServerEvents["board:access"]>[0];

/** The sentence a user reads when the owner of a board changes their access. */
export function describeAccess({ title, role, by }: AccessChange): string {
  if (role === null) return `${by} removed you from “${title}”`;
  return `${by} made you ${role === "editor" ? "an editor" : "a viewer"} of “${title}”`;
}

/**
 * Toasts a change of this user's access to a board, made by its owner, wherever the user is in the app: a new role
 * (with a link to the board), or a removal. One toast per board at a time, on every tab.
 */
export function AccessToasts() {
  const { socket } = useRealtime();
  const router = useRouter();

  useEffect(() => {
    if (!socket) return;
    const onAccess = (change: AccessChange) => {
      const id = `access-${change.boardId}`;
      if (change.role === null) {
        toast.warning(describeAccess(change), { id, description: "You can no longer open this board." });
        return;
      }
      const here = window.location.pathname === `/boards/${change.boardId}`;
      toast.info(describeAccess(change), {
        id,
        description: change.role === "viewer" ? "You can watch it, not change it." : "You can change it.",
        action: here
          ? undefined
          : { label: "Open", onClick: () => router.push(`/boards/${encodeURIComponent(change.boardId)}`) },
      });
    };
    socket.on("board:access", onAccess);
    return () => {
      socket.off("board:access", onAccess);
    };
  }, [socket, router]);

  return null;
}
