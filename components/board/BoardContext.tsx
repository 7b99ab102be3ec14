"use client";

import { createContext, useContext } from "react";
import type { BoardDoc } from "@/lib/boards/types";
import type { BoardHandle } from "./useBoard";

export interface BoardContextValue extends BoardHandle {
  doc: BoardDoc;
  committed: BoardDoc;
}

const BoardContext = createContext<BoardContextValue | null>(null);

export const BoardProvider = BoardContext.Provider;

/** The open board, for widgets: its state, the user's role, `submit`, conflicts, and the session. */
export function useBoardContext(): BoardContextValue {
  const value = useContext(BoardContext);
  if (!value) throw new Error("useBoardContext must be used inside a board");
  return value;
}

/** Other users editing `widgetId` now, from presence. */
export function useEditorsOf(widgetId: string): string[] {
  const { state, me } = useBoardContext();
  return state.presence.filter((v) => v.user !== me && v.editing.includes(widgetId)).map((v) => v.user);
}
