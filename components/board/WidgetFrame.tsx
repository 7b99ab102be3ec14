"use client";

import { GripVertical, Pencil, Trash2 } from "lucide-react";
import { useState } from "react";
import { LIMITS } from "@/lib/boards/limits";
import { widgetIn, type Widget } from "@/lib/boards/types";
import { fieldRev, widgetKey } from "@/lib/client/field-keys";
import type { GridDirection } from "@/lib/client/grid";
import { Avatar } from "@/components/ui/Avatar";
import { Dialog } from "@/components/ui/Dialog";
import { InlineEdit } from "@/components/ui/InlineEdit";
import { btn } from "@/components/ui/styles";
import { WidgetTaskStrip } from "../tasks/WidgetTaskStrip";
import { viewOf } from "../widgets/registry";
import { useBoardContext, useEditorsOf } from "./BoardContext";

function Body({ widget }: { widget: Widget }) {
  const { Body: Content } = viewOf(widget.type);
  return <Content widget={widget} />;
}

/** The card around every widget: drag handle, title, who else is editing it, and its actions. */
const ARROWS: Record<string, GridDirection> = {
  ArrowLeft: "left",
  ArrowRight: "right",
  ArrowUp: "up",
  ArrowDown: "down",
};

export function WidgetFrame({
  widget,
  draggable,
  onStep,
}: {
  widget: Widget;
  draggable: boolean;
  /** A keyboard step on the drag handle: arrows move, Shift+arrows resize. */
  onStep?: (direction: GridDirection, resize: boolean) => void;
}) {
  const { submit, committed, canEdit, doc, session } = useBoardContext();
  const editors = useEditorsOf(widget.id);
  const [confirming, setConfirming] = useState(false);
  const meta = viewOf(widget.type);
  const HeaderActions = meta.HeaderActions;
  const Icon = meta.icon;
  const pending = !widgetIn(committed, widget.id);

  return (
    <section
      aria-label={`${meta.label}: ${widget.title || "untitled"}`}
      data-testid={`widget-${widget.id}`}
      data-widget-type={widget.type}
      className={`flex h-full flex-col overflow-hidden rounded-xl bg-white shadow-sm ring-1 ${
        editors.length > 0 ? "ring-2 ring-amber-400" : "ring-slate-200"
      } ${pending ? "opacity-80" : ""}`}
    >
      <header className="flex items-center gap-1 border-b border-slate-100 px-1.5 py-1">
        {draggable ? (
          <button
            type="button"
            aria-label="Move widget: drag, or press the arrow keys; Shift and the arrow keys resize it"
            aria-keyshortcuts="ArrowLeft ArrowRight ArrowUp ArrowDown Shift+ArrowLeft Shift+ArrowRight Shift+ArrowUp Shift+ArrowDown"
            title="Drag, or use the arrow keys, to move; Shift+arrows to resize"
            onKeyDown={(e) => {
              const direction = ARROWS[e.key];
              if (!direction || !onStep || e.altKey || e.ctrlKey || e.metaKey) return;
              e.preventDefault();
              onStep(direction, e.shiftKey);
            }}
            className="widget-drag-handle inline-flex h-7 w-6 cursor-grab items-center justify-center rounded text-slate-400 hover:bg-slate-100 hover:text-slate-700 active:cursor-grabbing"
          >
            <GripVertical className="h-4 w-4" aria-hidden />
          </button>
        ) : (
          <span className="inline-flex h-7 w-6 items-center justify-center text-slate-400">
            <Icon className="h-4 w-4" aria-hidden />
          </span>
        )}
        <div className="flex min-w-0 flex-1 text-sm font-medium text-slate-800">
          <InlineEdit
            value={widget.title}
            base={fieldRev(committed, widgetKey(widget.id, "title"))}
            label="Widget title"
            placeholder={meta.label}
            maxLength={LIMITS.widgetTitle}
            disabled={!canEdit}
            onSave={(title, baseRev) =>
              void submit({ type: "widget.title", widgetId: widget.id, title, baseRev })
            }
            onEditingChange={(on) => session?.setEditing(on ? widget.id : null)}
          />
        </div>
        {editors.length > 0 ? (
          <span
            className="flex items-center gap-1 rounded-full bg-amber-50 py-0.5 pr-2 pl-0.5 text-xs font-medium text-amber-800 ring-1 ring-amber-200"
            data-testid="widget-editing"
            title={`${editors.join(", ")} editing`}
          >
            <Avatar name={editors[0]!} size="sm" />
            <Pencil className="h-3 w-3" aria-hidden />
            <span className="sr-only sm:not-sr-only">
              {editors.length > 1 ? `${editors.length} editing` : "editing"}
            </span>
          </span>
        ) : null}
        {HeaderActions ? <HeaderActions boardId={doc.id} widgetId={widget.id} canEdit={canEdit} /> : null}
        {canEdit ? (
          <button
            type="button"
            onClick={() => setConfirming(true)}
            aria-label="Remove widget"
            className={btn.icon}
          >
            <Trash2 className="h-4 w-4" aria-hidden />
          </button>
        ) : null}
      </header>
      <WidgetTaskStrip widgetId={widget.id} />
      <div className="min-h-0 flex-1 overflow-auto p-3">
        <Body widget={widget} />
      </div>
      <Dialog
        open={confirming}
        onClose={() => setConfirming(false)}
        title={`Remove “${widget.title || meta.label}”?`}
        description="It disappears for everyone on this board, with its content."
      >
        <div className="flex justify-end gap-2">
          <button type="button" className={btn.secondary} onClick={() => setConfirming(false)}>
            Cancel
          </button>
          <button
            type="button"
            className={btn.danger}
            onClick={() => {
              setConfirming(false);
              void submit({ type: "widget.remove", widgetId: widget.id });
            }}
          >
            <Trash2 className="h-4 w-4" aria-hidden /> Remove
          </button>
        </div>
      </Dialog>
    </section>
  );
}
