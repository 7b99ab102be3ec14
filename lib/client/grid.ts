import {
  cloneLayout,
  moveElement,
  verticalCompactor,
  type Layout,
  type LayoutItem,
} from "react-grid-layout/core";
import { LIMITS } from "../boards/limits";
import { firstFreePlace } from "../boards/placement";
import type { GridLayout, Widget, WidgetType } from "../boards/types";
import { BUILT_IN_WIDGETS } from "../boards/widgets";
import { own } from "../util/own";

function sizes(which: "initial" | "min"): Record<WidgetType, { w: number; h: number }> {
  return Object.fromEntries(BUILT_IN_WIDGETS.map((m) => [m.type, m.size[which]])) as Record<
    WidgetType,
    { w: number; h: number }
  >;
}

/** The size a new widget starts with, in grid columns and rows (each type's module says). */
export const DEFAULT_SIZE = sizes("initial");

/** The smallest a widget can be resized to and still show its content. */
export const MIN_SIZE = sizes("min");

/** Where a new widget goes: the first free place across the whole width of the grid (`firstFreePlace`). */
export function placeNew(widgets: Iterable<Pick<Widget, "layout">>, type: WidgetType): GridLayout {
  return firstFreePlace(
    [...widgets].map((w) => w.layout),
    DEFAULT_SIZE[type],
    LIMITS.gridColumns,
  );
}

/** Reading order on a single column: top to bottom, then left to right. */
export function readingOrder<T extends Pick<Widget, "layout" | "id">>(widgets: T[]): T[] {
  return [...widgets].sort(
    (a, b) => a.layout.y - b.layout.y || a.layout.x - b.layout.x || a.id.localeCompare(b.id),
  );
}

export interface LayoutItemLike {
  i: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The widgets whose place differs between the board and what the grid shows after a drag or resize: the one
 * moved and the ones it pushed. Each becomes a `widget.layout` op, so every viewer sees the same arrangement.
 */
export function changedLayouts(
  widgets: Record<string, Pick<Widget, "layout">>,
  shown: readonly LayoutItemLike[],
): { widgetId: string; layout: GridLayout }[] {
  const out: { widgetId: string; layout: GridLayout }[] = [];
  for (const item of shown) {
    const current = own(widgets, item.i)?.layout;
    if (!current) continue;
    const layout = {
      x: Math.max(0, Math.min(LIMITS.gridColumns - 1, Math.round(item.x))),
      y: Math.max(0, Math.min(10_000, Math.round(item.y))),
      w: Math.max(1, Math.min(LIMITS.gridColumns, Math.round(item.w))),
      h: Math.max(1, Math.min(40, Math.round(item.h))),
    };
    layout.w = Math.min(layout.w, LIMITS.gridColumns - layout.x);
    if (current.x !== layout.x || current.y !== layout.y || current.w !== layout.w || current.h !== layout.h)
      out.push({ widgetId: item.i, layout });
  }
  return out;
}

export type GridDirection = "left" | "right" | "up" | "down";

export interface KeyboardLayoutItem extends LayoutItemLike {
  minW?: number;
  minH?: number;
}

const overlapsColumns = (a: LayoutItemLike, b: LayoutItemLike) => a.x < b.x + b.w && b.x < a.x + a.w;

/**
 * The grid after one keyboard step on widget `id`: arrows move it one column, or past its neighbour above or
 * below; with `resize`, arrows make it one cell narrower, wider, shorter or taller. Others give way as in a drag
 * and the grid compacts upwards, so the result is what a pointer user could have made.
 */
export function keyboardLayout(
  layout: readonly KeyboardLayoutItem[],
  id: string,
  direction: GridDirection,
  resize: boolean,
  cols: number,
): KeyboardLayoutItem[] {
  const next = stepped(cloneLayout(layout as Layout) as KeyboardLayoutItem[], id, direction, resize, cols);
  // A step that leaves the widget itself where it was (blocked by another) changes nothing at all, rather than
  // rearranging its neighbours behind the user's back.
  const before = layout.find((l) => l.i === id);
  const after = next.find((l) => l.i === id);
  const unchanged = !before || !after || (["x", "y", "w", "h"] as const).every((k) => before[k] === after[k]);
  return unchanged ? (cloneLayout(layout as Layout) as KeyboardLayoutItem[]) : next;
}

function stepped(
  items: KeyboardLayoutItem[],
  id: string,
  direction: GridDirection,
  resize: boolean,
  cols: number,
): KeyboardLayoutItem[] {
  const item = items.find((l) => l.i === id);
  if (!item) return items;
  const compacted = (next: Layout) => verticalCompactor.compact(next, cols) as KeyboardLayoutItem[];
  if (resize) {
    if (direction === "left") item.w = Math.max(item.minW ?? 1, item.w - 1);
    if (direction === "right") item.w = Math.min(cols - item.x, item.w + 1);
    if (direction === "up") item.h = Math.max(item.minH ?? 1, item.h - 1);
    if (direction === "down") item.h = Math.min(40, item.h + 1);
    return compacted(
      moveElement(items as Layout, item as LayoutItem, item.x, item.y, true, false, "vertical", cols),
    );
  }
  if (direction === "left" || direction === "right") {
    const x = Math.max(0, Math.min(cols - item.w, item.x + (direction === "left" ? -1 : 1)));
    return compacted(
      moveElement(items as Layout, item as LayoutItem, x, undefined, true, false, "vertical", cols),
    );
  }
  // Vertically the grid compacts upwards, so moving down means letting the neighbour below move up past it.
  const neighbours = items.filter((o) => o !== item && overlapsColumns(o, item));
  const [mover, target] =
    direction === "up"
      ? [item, neighbours.filter((o) => o.y < item.y).sort((a, b) => b.y - a.y)[0]]
      : [neighbours.filter((o) => o.y > item.y).sort((a, b) => a.y - b.y)[0], item];
  if (!mover || !target) return items;
  return compacted(
    moveElement(items as Layout, mover as LayoutItem, undefined, target.y, true, false, "vertical", cols),
  );
}
