"use client";

import { useCallback, useEffect, useState } from "react";
import type { BoardSummary } from "@/lib/boards/types";
import { useRealtime } from "../realtime/SocketProvider";

export type BoardListState =
  | { status: "loading"; boards: BoardSummary[] | null }
  | { status: "ready"; boards: BoardSummary[] }
  | { status: "error"; boards: BoardSummary[] | null; message: string };

/** The boards the user can open, fetched when connected and again when one is shared with them. */
export function useBoardList() {
  const { socket, state: connection } = useRealtime();
  const [state, setState] = useState<BoardListState>({ status: "loading", boards: null });
  const connected = connection.status === "connected";

  const load = useCallback(async () => {
    if (!socket || !socket.connected) return;
    setState((s) => ({ status: "loading", boards: s.boards }));
    try {
      const res = await socket.timeout(10_000).emitWithAck("board:list", {});
      if (!res.ok) throw new Error(res.error.message);
      setState({ status: "ready", boards: res.boards });
    } catch (err) {
      setState((s) => ({ status: "error", boards: s.boards, message: (err as Error).message }));
    }
  }, [socket]);

  useEffect(() => {
    if (!socket || !connected) return;
    const refresh = () => void load();
    // Deferred so that the effect itself sets no state; the list loads right after the connection does.
    const timer = setTimeout(refresh, 0);
    const onNotify = ({ item }: { item: { kind: string } }) => {
      if (item.kind === "share") refresh();
    };
    socket.on("notify:new", onNotify);
    return () => {
      clearTimeout(timer);
      socket.off("notify:new", onNotify);
    };
  }, [socket, connected, load]);

  return { state, reload: load };
}
