import { StickyNote } from "lucide-react";
import type { WidgetView } from "../view";
import { NoteWidget } from "./NoteWidget";

export const noteView: WidgetView<"note"> = {
  label: "Note",
  icon: StickyNote,
  hint: "Formatted text, with @mentions",
  Body: NoteWidget,
};
