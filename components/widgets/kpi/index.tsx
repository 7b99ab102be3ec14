import { Hash } from "lucide-react";
import type { WidgetView } from "../view";
import { KpiWidget } from "./KpiWidget";

export const kpiView: WidgetView<"kpi"> = {
  label: "KPI",
  icon: Hash,
  hint: "A number and how it changed",
  Body: KpiWidget,
};
