/** The parts of a keyboard event that decide undo and redo. */
export interface UndoKeyEvent {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  /** The focused element: in a text field the browser's own text undo applies. */
  target: { tagName?: string; isContentEditable?: boolean; type?: string } | null;
}

/** Inputs that are not text fields: Ctrl+Z there still undoes the board change. */
const NON_TEXT_INPUTS = new Set(["button", "checkbox", "radio", "range", "color", "submit", "reset", "file"]);

/** Whether the element takes text, so that Ctrl/Cmd+Z belongs to it. */
export function isTextTarget(target: UndoKeyEvent["target"]): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName?.toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  return tag === "input" && !NON_TEXT_INPUTS.has((target.type ?? "text").toLowerCase());
}

/**
 * What a key press asks of the board's undo: Ctrl/Cmd+Z undoes, Shift+Ctrl/Cmd+Z and Ctrl+Y redo; nothing while
 * typing in a text field, or with Alt held.
 */
export function undoKeyAction(e: UndoKeyEvent): "undo" | "redo" | null {
  if (e.altKey || !(e.ctrlKey || e.metaKey) || isTextTarget(e.target)) return null;
  const key = e.key.toLowerCase();
  if (key === "z") return e.shiftKey ? "redo" : "undo";
  if (key === "y" && e.ctrlKey && !e.shiftKey) return "redo";
  return null;
}
