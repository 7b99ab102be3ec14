import { describe, expect, it } from "vitest";
import { undoKeyAction, type UndoKeyEvent } from "./undo-keys";

const press = (key: string, mods: Partial<UndoKeyEvent> = {}): UndoKeyEvent => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  target: { tagName: "BODY" },
  ...mods,
});

describe("undoKeyAction", () => {
  it("undoes with Ctrl+Z or Cmd+Z and redoes with Shift held, or Ctrl+Y", () => {
    expect(undoKeyAction(press("z", { ctrlKey: true }))).toBe("undo");
    expect(undoKeyAction(press("z", { metaKey: true }))).toBe("undo");
    expect(undoKeyAction(press("Z", { ctrlKey: true, shiftKey: true }))).toBe("redo");
    expect(undoKeyAction(press("z", { metaKey: true, shiftKey: true }))).toBe("redo");
    expect(undoKeyAction(press("y", { ctrlKey: true }))).toBe("redo");
  });

  it("ignores other keys, plain Z and Alt combinations", () => {
    expect(undoKeyAction(press("z"))).toBeNull();
    expect(undoKeyAction(press("x", { ctrlKey: true }))).toBeNull();
    expect(undoKeyAction(press("z", { ctrlKey: true, altKey: true }))).toBeNull();
    expect(undoKeyAction(press("y", { metaKey: true }))).toBeNull();
  });

  it("leaves Ctrl+Z to the browser in text fields, but not on buttons or checkboxes", () => {
    const ctrlZ = (target: UndoKeyEvent["target"]) => undoKeyAction(press("z", { ctrlKey: true, target }));
    expect(ctrlZ({ tagName: "INPUT", type: "text" })).toBeNull();
    expect(ctrlZ({ tagName: "INPUT" })).toBeNull();
    expect(ctrlZ({ tagName: "TEXTAREA" })).toBeNull();
    expect(ctrlZ({ tagName: "DIV", isContentEditable: true })).toBeNull();
    expect(ctrlZ({ tagName: "INPUT", type: "checkbox" })).toBe("undo");
    expect(ctrlZ({ tagName: "BUTTON" })).toBe("undo");
    expect(ctrlZ(null)).toBe("undo");
  });
});
