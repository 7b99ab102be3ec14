import { BarChart3 } from "lucide-react";
import { ChartTaskActions } from "../../tasks/ChartTaskActions";
import type { WidgetView } from "../view";
import { ChartInfo } from "./ChartInfo";
import { ChartWidget } from "./ChartWidget";

export const chartView: WidgetView<"chart"> = {
  label: "Live chart",
  icon: BarChart3,
  hint: "A live time series fed by the API",
  Body: ChartWidget,
  HeaderActions: ({ boardId, widgetId, canEdit }) => (
    <>
      <ChartInfo boardId={boardId} widgetId={widgetId} />
      {canEdit ? <ChartTaskActions boardId={boardId} widgetId={widgetId} /> : null}
    </>
  ),
};
