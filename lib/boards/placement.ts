import { LIMITS } from "./limits";
import type { GridLayout } from "./widgets/define";

/** The lowest row a new widget may start on; the grid's layouts are capped the same way. */
const MAX_Y = 10_000;

const overlaps = (a: GridLayout, b: GridLayout) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * The first free place for a widget of `size` on a grid of `columns`, in reading order: the highest row where it
 * fits anywhere across the whole width, then the leftmost column on that row. A free place can always slide up
 * until it touches the top or the bottom edge of a widget, and left until it touches the left edge or the right
 * edge of one, so only those rows and columns are tried. Below everything, there is always room.
 */
export function firstFreePlace(
  occupied: Iterable<GridLayout>,
  size: { w: number; h: number },
  columns: number = LIMITS.gridColumns,
): GridLayout {
  const taken = [...occupied];
  const w = Math.max(1, Math.min(size.w, columns));
  const h = Math.max(1, size.h);
  const rows = new Set([0]);
  const cols = new Set([0]);
  for (const l of taken) {
    rows.add(l.y + l.h);
    cols.add(l.x + l.w);
  }
  const ys = [...rows].filter((y) => y <= MAX_Y).sort((a, b) => a - b);
  const xs = [...cols].filter((x) => x + w <= columns).sort((a, b) => a - b);
  for (const y of ys) {
    for (const x of xs) {
      const place = { x, y, w, h };
      if (!taken.some((l) => overlaps(l, place))) return place;
    }
  }
  // Only when the board is taller than the cap: the bottom row, as the grid would clamp it.
  return { x: 0, y: MAX_Y, w, h };
}
