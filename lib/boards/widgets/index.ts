import { chart } from "./chart";
import { checklist } from "./checklist";
import type { WidgetOfModule } from "./define";
import { kpi } from "./kpi";
import { note } from "./note";
import { createWidgetRegistry } from "./registry";

/** The widget types Pulseboard has: one line each. A new type is a module beside these, and its line here. */
// prettier-ignore
export const BUILT_IN_WIDGETS = [
  note,
  kpi,
  checklist,
  chart,
] as const;

export type BuiltInWidgetModule = (typeof BUILT_IN_WIDGETS)[number];
export type WidgetType = BuiltInWidgetModule["type"];
export type Widget = WidgetOfModule<BuiltInWidgetModule>;

/** The registry of the built-in types: what the protocol, `apply.ts` and the client use. */
export const builtInWidgets = createWidgetRegistry(BUILT_IN_WIDGETS);
