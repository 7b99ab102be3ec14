/**
 * The keyboard of the WAI-ARIA menu button pattern, without React or the DOM, so that it can be tested alone.
 * Given a key, the focused item and how many items there are, it says what happens next.
 */
export type MenuMove =
  /** Move focus to the item at this index. */
  | { kind: "focus"; index: number }
  /**
   * Close the menu and give focus back to its button; with `refocus` false the key then does what it does on
   * the button (Tab moves focus on).
   */
  | { kind: "close"; refocus: boolean }
  /** Not a key the menu handles: let the browser have it. */
  | { kind: "none" };

/**
 * Keys while focus is inside an open menu. `current` is the focused item's index, or -1 when no item has focus.
 * ArrowDown and ArrowUp wrap around; Home and End go to the ends; Escape closes and returns focus to the button;
 * Tab closes and lets focus move on as it would.
 */
export function menuKey(key: string, current: number, count: number): MenuMove {
  if (key === "Escape") return { kind: "close", refocus: true };
  if (key === "Tab") return { kind: "close", refocus: false };
  if (count <= 0) return { kind: "none" };
  switch (key) {
    case "ArrowDown":
      return { kind: "focus", index: current < 0 ? 0 : (current + 1) % count };
    case "ArrowUp":
      return { kind: "focus", index: current < 0 ? count - 1 : (current - 1 + count) % count };
    case "Home":
    case "PageUp":
      return { kind: "focus", index: 0 };
    case "End":
    case "PageDown":
      return { kind: "focus", index: count - 1 };
    default:
      return { kind: "none" };
  }
}

/**
 * Keys on the menu's button while the menu is closed: ArrowDown opens it on the first item, ArrowUp on the last.
 * Enter and Space click the button, which opens the menu on its first item. Anything else: null.
 */
export function menuButtonKey(key: string): "first" | "last" | null {
  if (key === "ArrowDown") return "first";
  if (key === "ArrowUp") return "last";
  return null;
}

/**
 * Type-ahead: the next item after `current` whose label starts with the typed character, wrapping around;
 * -1 when none does.
 */
export function menuTypeAhead(char: string, current: number, labels: readonly string[]): number {
  if (char.length !== 1 || char.trim() === "") return -1;
  const c = char.toLowerCase();
  for (let step = 1; step <= labels.length; step++) {
    const i = (current + step + labels.length) % labels.length;
    if (labels[i]?.trim().toLowerCase().startsWith(c)) return i;
  }
  return -1;
}
