"use client";

import { ChevronDown, Plus } from "lucide-react";
import type { WidgetType } from "@/lib/boards/types";
import { placeNew } from "@/lib/client/grid";
import { randomId } from "@/lib/client/ids";
import { Menu, MenuItem } from "@/components/ui/Menu";
import { btn } from "@/components/ui/styles";
import { useBoardContext } from "./BoardContext";
import { WIDGET_VIEWS } from "../widgets/registry";

/** Adds a widget of the chosen type in the first free place of the grid. */
export function AddWidgetMenu({ onAdded }: { onAdded?(widgetId: string): void }) {
  const { doc, submit } = useBoardContext();

  const add = (type: WidgetType) => {
    const id = randomId(10);
    const layout = placeNew(Object.values(doc.widgets), type);
    // The type's schema fills in empty data.
    void submit({ type: "widget.add", widget: { id, type, title: WIDGET_VIEWS[type].label, layout } });
    onAdded?.(id);
  };

  return (
    <Menu
      triggerClassName={btn.primary}
      trigger={
        <>
          <Plus className="h-4 w-4" aria-hidden />
          <span>Add widget</span>
          <ChevronDown className="h-3.5 w-3.5 opacity-80" aria-hidden />
        </>
      }
      menuLabel="Widget types"
      menuClassName="z-50 w-72"
    >
      {(Object.keys(WIDGET_VIEWS) as WidgetType[]).map((type) => {
        const { label, icon: Icon, hint } = WIDGET_VIEWS[type];
        return (
          <MenuItem key={type} layout="items-start gap-3" onSelect={() => add(type)}>
            <Icon className="mt-0.5 h-4 w-4 text-indigo-600" aria-hidden />
            <span>
              <span className="block text-sm font-medium text-slate-900">{label}</span>
              <span className="block text-xs text-slate-500">{hint}</span>
            </span>
          </MenuItem>
        );
      })}
    </Menu>
  );
}
