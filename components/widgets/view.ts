import type { LucideIcon } from "lucide-react";
import type { ComponentType } from "react";
import type { Widget, WidgetType } from "@/lib/boards/types";

/** How one widget type looks: what `components/widgets/<type>/index.tsx` exports, listed in `registry.ts`. */
export interface WidgetView<T extends WidgetType = WidgetType> {
  /** Its name in the add menu and on an untitled widget. */
  label: string;
  icon: LucideIcon;
  /** One line in the add menu. */
  hint: string;
  /** The widget's content, inside the card every widget has. */
  Body: ComponentType<{ widget: Extract<Widget, { type: T }> }>;
  /** Buttons of its own in the card's header, beside the title. */
  HeaderActions?: ComponentType<{ boardId: string; widgetId: string; canEdit: boolean }>;
}
