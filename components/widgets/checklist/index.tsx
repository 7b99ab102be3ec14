import { CheckSquare } from "lucide-react";
import type { WidgetView } from "../view";
import { ChecklistWidget } from "./ChecklistWidget";

export const checklistView: WidgetView<"checklist"> = {
  label: "Checklist",
  icon: CheckSquare,
  hint: "Items to tick off together",
  Body: ChecklistWidget,
};
