import type { WidgetType } from "@/lib/boards/types";
import { chartView } from "./chart";
import { checklistView } from "./checklist";
import { kpiView } from "./kpi";
import { noteView } from "./note";
import type { WidgetView } from "./view";

/**
 * The view of each widget type, in the order of the add menu: one line each. The type checker asks for a line
 * here for every type in `lib/boards/widgets/index.ts`.
 */
export const WIDGET_VIEWS: { readonly [T in WidgetType]: WidgetView<T> } = {
  note: noteView,
  kpi: kpiView,
  checklist: checklistView,
  chart: chartView,
};

/** The view of a widget's type, for code that handles any widget. */
export function viewOf(type: WidgetType): WidgetView {
  return WIDGET_VIEWS[type] as WidgetView;
}
