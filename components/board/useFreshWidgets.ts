"use client";

import { useEffect, useRef, useState } from "react";
import type { Widget } from "@/lib/boards/types";

/** How long a new widget stays highlighted. */
const HIGHLIGHT_MS = 2_500;

/**
 * The widgets added since the board opened, for a brief highlight. Those the user added (from this tab, another
 * one, or through a task they started, which acts as them) are also scrolled into view once drawn.
 */
export function useFreshWidgets(widgets: readonly Widget[], me: string | null): ReadonlySet<string> {
  const known = useRef<Set<string> | null>(null);
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());

  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach(clearTimeout);
  }, []);

  useEffect(() => {
    if (!known.current) {
      // What the board had when it opened is not new.
      known.current = new Set(widgets.map((w) => w.id));
      return;
    }
    const seen = known.current;
    const added = widgets.filter((w) => !seen.has(w.id));
    if (added.length === 0) return;
    const ids = new Set(added.map((w) => w.id));
    ids.forEach((id) => seen.add(id));
    setFresh((prev) => new Set([...prev, ...ids]));
    const mine = added.find((w) => w.createdBy === me);
    const after = (ms: number, fn: () => void) => {
      const t = setTimeout(() => {
        timers.current.delete(t);
        fn();
      }, ms);
      timers.current.add(t);
    };
    // Once the grid has drawn it in its place.
    if (mine)
      after(50, () =>
        document
          .querySelector(`[data-testid="widget-${CSS.escape(mine.id)}"]`)
          ?.scrollIntoView({ block: "nearest", behavior: "smooth" }),
      );
    after(HIGHLIGHT_MS, () => setFresh((prev) => new Set([...prev].filter((id) => !ids.has(id)))));
  }, [widgets, me]);

  return fresh;
}
