export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Where to put a floating panel of `size` for `target` (both in viewport pixels) so that all of it is on screen:
 * below the target if it fits there, else above it, else over it; horizontally aligned with the target's left
 * edge, moved in to stay `margin` from the window's edges.
 */
export function placeBeside(
  target: Box,
  size: { width: number; height: number },
  viewport: { width: number; height: number },
  gap = 8,
  margin = 8,
): { left: number; top: number } {
  const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(v, Math.max(lo, hi)));
  const below = target.top + target.height + gap;
  const above = target.top - gap - size.height;
  let top: number;
  if (below >= margin && below + size.height <= viewport.height - margin) top = below;
  else if (above >= margin && above + size.height <= viewport.height - margin) top = above;
  else top = clamp(target.top, margin, viewport.height - margin - size.height);
  return { left: clamp(target.left, margin, viewport.width - margin - size.width), top };
}
