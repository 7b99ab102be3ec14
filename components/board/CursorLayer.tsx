"use client";

import { MousePointer2 } from "lucide-react";
import { useEffect, useState } from "react";
import { colorOf } from "@/components/ui/Avatar";
import { useBoardContext } from "./BoardContext";

const IDLE_MS = 5_000;

interface Cursor {
  x: number;
  y: number;
  at: number;
}

const TEXT_COLOR: Record<string, string> = {
  "bg-indigo-700": "text-indigo-700",
  "bg-emerald-700": "text-emerald-700",
  "bg-rose-700": "text-rose-700",
  "bg-amber-700": "text-amber-700",
  "bg-sky-700": "text-sky-700",
  "bg-fuchsia-700": "text-fuchsia-700",
  "bg-teal-700": "text-teal-700",
  "bg-orange-700": "text-orange-700",
};

/** Other viewers' pointers over the grid, with their names; a pointer idle for 5 s fades away. */
export function CursorLayer({ width }: { width: number }) {
  const { session, me, state } = useBoardContext();
  const [cursors, setCursors] = useState<Record<string, Cursor>>({});

  useEffect(() => {
    if (!session) return;
    const off = session.on("cursor", ({ user, x, y }) => {
      if (user === me) return;
      setCursors((prev) => ({ ...prev, [user]: { x, y, at: Date.now() } }));
    });
    const sweep = setInterval(() => {
      const now = Date.now();
      setCursors((prev) => {
        const kept = Object.entries(prev).filter(([, c]) => now - c.at < IDLE_MS);
        return kept.length === Object.keys(prev).length ? prev : Object.fromEntries(kept);
      });
    }, 1_000);
    return () => {
      off();
      clearInterval(sweep);
    };
  }, [session, me]);

  const viewing = new Set(state.presence.map((v) => v.user));
  const shown = Object.entries(cursors).filter(([user]) => viewing.has(user));
  if (shown.length === 0) return null;
  return (
    <div aria-hidden className="pointer-events-none absolute inset-0 z-30 overflow-hidden">
      {shown.map(([user, c]) => {
        const bg = colorOf(user);
        return (
          <div
            key={user}
            data-testid={`cursor-${user}`}
            className="absolute top-0 left-0 transition-transform duration-100 ease-linear"
            style={{ transform: `translate(${c.x * width}px, ${c.y}px)` }}
          >
            <MousePointer2 className={`h-5 w-5 fill-current drop-shadow ${TEXT_COLOR[bg]}`} />
            <span
              className={`ml-3 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap text-white shadow ${bg}`}
            >
              {user}
            </span>
          </div>
        );
      })}
    </div>
  );
}
