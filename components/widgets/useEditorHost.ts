"use client";

import { useEffect, useMemo, useRef } from "react";
import type { EditorHost } from "@/lib/client/field-editor";
import { useBoardContext } from "../board/BoardContext";

/** The board session as an editor sees it: stable for the editor's life, always calling the current session. */
export function useEditorHost(): EditorHost {
  const { submit, session } = useBoardContext();
  const latest = useRef({ submit, session });
  useEffect(() => {
    latest.current = { submit, session };
  });
  return useMemo<EditorHost>(
    () => ({
      submit: (op) => latest.current.submit(op),
      pendingBasis: (key) => latest.current.session?.pendingBasis(key),
      setEditing: (widgetId) => latest.current.session?.setEditing(widgetId),
    }),
    [],
  );
}
