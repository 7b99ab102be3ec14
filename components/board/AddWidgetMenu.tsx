"use client";

import { ChevronDown, Plus } from "lucide-react";
import type { WidgetType } from "@/lib/boards/types";
import { placeAtBottom } from "@/lib/client/grid";
import { randomId } from "@/lib/client/ids";
import { useBoardContext } from "./BoardContext";
import { btn } from "./ui/buttons";
import { usePopover } from "./ui/usePopover";
import { WIDGET_VIEWS } from "../widgets/registry";

/** Adds a widget of the chosen type below the others. */
export function AddWidgetMenu({ onAdded }: { onAdded?(widgetId: string): void }) {
  const { doc, submit } = useBoardContext();
  const { open, setOpen, ref } = usePopover();

  const add = (type: WidgetType) => {
    setOpen(false);
    const id = randomId(10);
    const layout = placeAtBottom(Object.values(doc.widgets), type);
    // The type's schema fills in empty data.
    void submit({ type: "widget.add", widget: { id, type, title: WIDGET_VIEWS[type].label, layout } });
    onAdded?.(id);
  };

  return (
    <div className="relative" ref={ref}>
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        className={btn.primary}
      >
        <Plus className="h-4 w-4" aria-hidden />
        <span>Add widget</span>
        <ChevronDown className="h-3.5 w-3.5 opacity-80" aria-hidden />
      </button>
      {open ? (
        <div
          role="menu"
          aria-label="Widget types"
          className="absolute right-0 z-50 mt-2 w-72 rounded-xl bg-white p-1 shadow-lg ring-1 ring-slate-200"
        >
          {(Object.keys(WIDGET_VIEWS) as WidgetType[]).map((type) => {
            const { label, icon: Icon, hint } = WIDGET_VIEWS[type];
            return (
              <button
                key={type}
                type="button"
                role="menuitem"
                onClick={() => add(type)}
                className="flex w-full items-start gap-3 rounded-lg px-3 py-2 text-left hover:bg-slate-100 focus:bg-slate-100 focus:outline-none"
              >
                <Icon className="mt-0.5 h-4 w-4 text-indigo-600" aria-hidden />
                <span>
                  <span className="block text-sm font-medium text-slate-900">{label}</span>
                  <span className="block text-xs text-slate-500">{hint}</span>
                </span>
              </button>
            );
          })}
        </div>
      ) : null}
    </div>
  );
}
