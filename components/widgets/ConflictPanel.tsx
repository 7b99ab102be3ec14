"use client";

import { AlertTriangle } from "lucide-react";
import { useLayoutEffect, useMemo, useRef } from "react";
import { placeBeside } from "@/lib/client/beside";
import { wordDiff, type DiffSegment } from "@/lib/client/word-diff";
import { button } from "@/components/ui/styles";

interface ConflictPanelProps {
  /** What was changed, for the sentence: "value", "label", "note". */
  what: string;
  /** Who made the change that won (the op's author), when known. */
  by?: string;
  /** Both versions as text, shown the same way (as written, with the words that differ marked). */
  theirs: string;
  mine: string;
  onKeepMine(): void;
  onUseTheirs(): void;
}

const PANEL_WIDTH = 380;

/**
 * Shows both versions of a field two people changed at once, and lets the user choose; nothing is lost silently.
 *
 * The widget keeps a one-line notice; the versions and the choice open beside the widget in the browser's top
 * layer (a manual popover), so that no widget, however small, clips them, and they follow the widget as the page
 * scrolls. The panel stays a DOM child of the widget.
 */
export function ConflictPanel({ what, by, theirs, mine, onKeepMine, onUseTheirs }: ConflictPanelProps) {
  const anchor = useRef<HTMLDivElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const diff = useMemo(() => wordDiff(theirs, mine), [theirs, mine]);
  const who = by ?? "Someone else";

  useLayoutEffect(() => {
    const p = panel.current;
    const a = anchor.current;
    if (!p || !a) return;
    const target = a.closest("[data-widget-type]") ?? a;
    let frame = 0;
    const place = () => {
      frame = 0;
      const r = target.getBoundingClientRect();
      const viewport = { width: window.innerWidth, height: window.innerHeight };
      const width = Math.min(Math.max(r.width, PANEL_WIDTH), viewport.width - 16);
      p.style.width = `${width}px`;
      const { left, top } = placeBeside(r, { width, height: p.offsetHeight }, viewport);
      p.style.left = `${left}px`;
      p.style.top = `${top}px`;
    };
    const schedule = () => {
      frame ||= requestAnimationFrame(place);
    };
    try {
      p.showPopover();
    } catch {
      // Already open, or popovers unsupported: the panel then shows in place.
    }
    place();
    window.addEventListener("scroll", schedule, { capture: true, passive: true });
    window.addEventListener("resize", schedule);
    const observer = new ResizeObserver(schedule);
    observer.observe(p);
    observer.observe(target);
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener("scroll", schedule, { capture: true });
      window.removeEventListener("resize", schedule);
      observer.disconnect();
      try {
        p.hidePopover();
      } catch {
        // already closed
      }
    };
  }, []);

  return (
    <div ref={anchor} data-conflict-anchor>
      <p className="flex items-center gap-1.5 truncate rounded-md bg-amber-50 px-2 py-1 text-xs font-medium text-amber-900 ring-1 ring-amber-300">
        <AlertTriangle className="h-3.5 w-3.5 shrink-0" aria-hidden />
        <span className="truncate">Conflict with {by ?? "someone else"}: choose a version</span>
      </p>
      <div
        ref={panel}
        popover="manual"
        role="alert"
        data-testid="conflict"
        className="fixed inset-auto m-0 max-h-[calc(100dvh-1rem)] overflow-auto rounded-xl bg-white p-3 text-sm shadow-xl ring-2 ring-amber-400"
      >
        <p className="flex items-start gap-2 font-medium text-amber-900">
          <AlertTriangle className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
          <span>
            <strong data-testid="conflict-by">{who}</strong> changed this {what} while you were editing.
            Choose the version to keep.
          </span>
        </p>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          <Version label={`${who}'s version (saved)`} segments={diff.theirs} testId="conflict-theirs" />
          <Version label="Your version (not saved)" segments={diff.mine} testId="conflict-mine" />
        </div>
        <p className="mt-1 text-xs text-slate-600">
          Words that differ are <mark className="rounded bg-amber-200 px-0.5 text-slate-900">marked</mark>.
        </p>
        <div className="mt-2 flex flex-wrap gap-2">
          <button type="button" onClick={onKeepMine} className={button("primary", "sm")}>
            Keep mine
          </button>
          <button type="button" onClick={onUseTheirs} className={button("secondary", "sm")}>
            Use theirs
          </button>
        </div>
      </div>
    </div>
  );
}

function Version({ label, segments, testId }: { label: string; segments: DiffSegment[]; testId: string }) {
  return (
    <div className="min-w-0 rounded-md bg-slate-50 p-2 ring-1 ring-slate-200">
      <p className="text-xs font-semibold text-slate-600">{label}</p>
      <p
        className="mt-1 max-h-40 overflow-auto font-mono text-sm break-words whitespace-pre-wrap text-slate-900"
        data-testid={testId}
      >
        {segments.length === 0 ? <span className="text-slate-500">(empty)</span> : null}
        {segments.map((s, i) =>
          s.changed ? (
            <mark key={i} className="rounded bg-amber-200 px-0.5 text-slate-900">
              {s.text}
            </mark>
          ) : (
            <span key={i}>{s.text}</span>
          ),
        )}
      </p>
    </div>
  );
}
