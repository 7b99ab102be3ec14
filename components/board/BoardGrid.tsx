"use client";

import { LayoutGrid } from "lucide-react";
import { useMemo, useRef, useState, type ReactNode } from "react";
import ReactGridLayout, {
  useContainerWidth,
  verticalCompactor,
  type Layout,
  type LayoutItem,
} from "react-grid-layout";
import "react-grid-layout/css/styles.css";
import "./board.css";
import { LIMITS } from "@/lib/boards/limits";
import { basesOf } from "@/lib/client/field-editor";
import {
  changedLayouts,
  keyboardLayout,
  MIN_SIZE,
  readingOrder,
  type GridDirection,
} from "@/lib/client/grid";
import { useBoardContext } from "./BoardContext";
import { CursorLayer } from "./CursorLayer";
import { useFreshWidgets } from "./useFreshWidgets";
import { WidgetFrame } from "./WidgetFrame";

/** Below this width the board is one column in reading order, without dragging. */
const NARROW_PX = 640;
const ROW_HEIGHT = 40;
const NARROW_MAX_ROWS = 8;
const MARGIN: [number, number] = [12, 12];

/**
 * The board's widgets on a 12-column grid. A drag or resize sends `widget.layout` for every widget it moved, with
 * the revision each had when the drag began; a conflict snaps the grid back to the server's layout.
 */
export function BoardGrid({ empty }: { empty: ReactNode }) {
  const { doc, committed, canEdit, submit, session, me } = useBoardContext();
  // Measured before the grid mounts: at the default 1280 px a phone first gets the 12-column layout and then
  // watches every widget shrink into one column, wider than the screen while they do.
  const { width, containerRef, mounted } = useContainerWidth({ measureBeforeMount: true });
  const narrow = width < NARROW_PX;
  const dragBases = useRef(new Map<string, number>());
  const [announcement, setAnnouncement] = useState("");

  const widgets = useMemo(() => Object.values(doc.widgets), [doc.widgets]);
  const fresh = useFreshWidgets(widgets, me);
  const layout = useMemo<Layout>(() => {
    if (!narrow)
      return widgets.map((w) => ({
        i: w.id,
        ...w.layout,
        minW: MIN_SIZE[w.type].w,
        minH: MIN_SIZE[w.type].h,
      }));
    let y = 0;
    return readingOrder(widgets).map((w) => {
      // Stacked, a tall widget would push everything else far down: cap it, its content scrolls.
      const h = Math.min(Math.max(w.layout.h, MIN_SIZE[w.type].h), NARROW_MAX_ROWS);
      const item = { i: w.id, x: 0, y, w: 1, h };
      y += h;
      return item;
    });
  }, [widgets, narrow]);

  const begin = () => {
    // The revisions the user saw when the drag began: the basis of every layout change it makes.
    dragBases.current = basesOf(
      committed,
      widgets.map((w) => w.id),
      "layout",
    );
  };
  const commit = (next: Layout) => {
    if (narrow) return;
    for (const { widgetId, layout: l } of changedLayouts(doc.widgets, next as LayoutItem[])) {
      void submit({
        type: "widget.layout",
        widgetId,
        layout: l,
        baseRev: dragBases.current.get(widgetId) ?? 0,
      });
    }
  };

  const step = (widgetId: string, direction: GridDirection, resize: boolean) => {
    begin();
    const next = keyboardLayout(layout, widgetId, direction, resize, LIMITS.gridColumns);
    commit(next);
    const moved = next.find((l) => l.i === widgetId);
    if (moved)
      setAnnouncement(
        resize
          ? `${moved.w} columns wide, ${moved.h} rows tall`
          : `column ${moved.x + 1}, row ${moved.y + 1}`,
      );
  };

  const editable = canEdit && !narrow;
  return (
    <div
      ref={containerRef}
      className="relative min-h-[50vh]"
      onPointerMove={(e) => {
        const rect = e.currentTarget.getBoundingClientRect();
        if (rect.width > 0) session?.sendCursor((e.clientX - rect.left) / rect.width, e.clientY - rect.top);
      }}
    >
      {widgets.length === 0 ? empty : null}
      {mounted && widgets.length > 0 ? (
        <ReactGridLayout
          width={width}
          layout={layout}
          gridConfig={{
            cols: narrow ? 1 : LIMITS.gridColumns,
            rowHeight: ROW_HEIGHT,
            margin: MARGIN,
            containerPadding: [0, 0],
          }}
          dragConfig={{ enabled: editable, handle: ".widget-drag-handle", bounded: false }}
          resizeConfig={{ enabled: editable, handles: ["se"] }}
          compactor={verticalCompactor}
          onDragStart={begin}
          onResizeStart={begin}
          onDragStop={commit}
          onResizeStop={commit}
        >
          {widgets.map((w) => (
            <div
              key={w.id}
              className={fresh.has(w.id) ? "widget-fresh" : undefined}
              data-fresh={fresh.has(w.id) || undefined}
            >
              <WidgetFrame
                widget={w}
                draggable={editable}
                onStep={(direction, resize) => step(w.id, direction, resize)}
              />
            </div>
          ))}
        </ReactGridLayout>
      ) : null}
      <CursorLayer width={width} />
      <p className="sr-only" aria-live="polite" data-testid="grid-announcement">
        {announcement}
      </p>
      {narrow && canEdit && widgets.length > 1 ? (
        <p className="mt-3 flex items-center gap-1.5 text-xs text-slate-500">
          <LayoutGrid className="h-3.5 w-3.5" aria-hidden /> Widgets are stacked on small screens; arrange
          them on a wider one.
        </p>
      ) : null}
    </div>
  );
}
