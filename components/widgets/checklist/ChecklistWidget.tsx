"use client";

import { Plus, X } from "lucide-react";
import { useState, type FormEvent } from "react";
import type { ChecklistItem, ChecklistWidget as ChecklistWidgetType } from "@/lib/boards/types";
import { fieldRev, itemKey } from "@/lib/client/field-keys";
import { randomId } from "@/lib/client/ids";
import { InlineEdit } from "@/components/ui/InlineEdit";
import { CHECKLIST_LIMITS } from "@/lib/boards/widgets/checklist";
import { useBoardContext } from "../../board/BoardContext";

/** A to-do list. Adding and removing items merges with others' changes; editing an item's text or tick is guarded. */
export function ChecklistWidget({ widget }: { widget: ChecklistWidgetType }) {
  const { submit, canEdit } = useBoardContext();
  const [text, setText] = useState("");
  const items = widget.data.items;
  const done = items.filter((i) => i.done).length;
  const full = items.length >= CHECKLIST_LIMITS.items;

  const add = (e: FormEvent) => {
    e.preventDefault();
    const value = text.trim();
    if (!value || full) return;
    void submit({ type: "checklist.add", widgetId: widget.id, item: { id: randomId(12), text: value } });
    setText("");
  };

  return (
    <div className="flex h-full flex-col gap-2">
      {items.length > 0 ? (
        <div className="flex items-center gap-2 text-xs text-slate-500">
          <div
            className="h-1.5 flex-1 overflow-hidden rounded-full bg-slate-100"
            role="progressbar"
            aria-label="Done"
            aria-valuemin={0}
            aria-valuemax={items.length}
            aria-valuenow={done}
          >
            <div
              className="h-full rounded-full bg-emerald-500 transition-[width]"
              style={{ width: `${(done / items.length) * 100}%` }}
            />
          </div>
          <span className="tabular-nums">
            {done} of {items.length} done
          </span>
        </div>
      ) : null}
      <ul className="min-h-0 flex-1 space-y-0.5 overflow-auto" aria-label="Items">
        {items.map((item) => (
          <Item key={item.id} widgetId={widget.id} item={item} canEdit={canEdit} />
        ))}
        {items.length === 0 ? <li className="px-1 text-sm text-slate-500">Nothing to do yet.</li> : null}
      </ul>
      {canEdit ? (
        <form onSubmit={add} className="flex gap-1.5">
          <input
            value={text}
            onChange={(e) => setText(e.target.value)}
            maxLength={CHECKLIST_LIMITS.itemText}
            placeholder={full ? "The list is full" : "Add an item"}
            aria-label="New item"
            disabled={full}
            className="min-w-0 flex-1 rounded-lg border-0 bg-white px-2.5 py-1.5 text-sm ring-1 ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-500 focus:outline-none"
          />
          <button
            type="submit"
            aria-label="Add item"
            disabled={!text.trim() || full}
            className="inline-flex items-center rounded-lg bg-indigo-600 px-2 text-white hover:bg-indigo-700 disabled:opacity-50"
          >
            <Plus className="h-4 w-4" aria-hidden />
          </button>
        </form>
      ) : null}
    </div>
  );
}

function Item({ widgetId, item, canEdit }: { widgetId: string; item: ChecklistItem; canEdit: boolean }) {
  const { submit, committed, session } = useBoardContext();
  const doneKey = itemKey(widgetId, item.id, "done");
  const textKey = itemKey(widgetId, item.id, "text");
  return (
    <li className="group flex items-center gap-2 rounded-md px-1 py-0.5 hover:bg-slate-50">
      <input
        type="checkbox"
        checked={item.done}
        disabled={!canEdit}
        aria-label={item.text || "Untitled item"}
        onChange={(e) =>
          void submit({
            type: "checklist.done",
            widgetId,
            itemId: item.id,
            done: e.target.checked,
            baseRev: fieldRev(committed, doneKey),
          })
        }
        className="h-4 w-4 shrink-0 rounded accent-emerald-600"
      />
      <div
        className={`flex min-w-0 flex-1 text-sm ${item.done ? "text-slate-500 line-through" : "text-slate-800"}`}
      >
        <InlineEdit
          value={item.text}
          base={fieldRev(committed, textKey)}
          label="Item"
          placeholder="Untitled item"
          maxLength={CHECKLIST_LIMITS.itemText}
          disabled={!canEdit}
          onSave={(text, baseRev) =>
            void submit({ type: "checklist.text", widgetId, itemId: item.id, text, baseRev })
          }
          onEditingChange={(on) => session?.setEditing(on ? widgetId : null)}
          className="-mx-1.5 w-full"
        />
      </div>
      {canEdit ? (
        <button
          type="button"
          onClick={() => void submit({ type: "checklist.remove", widgetId, itemId: item.id })}
          aria-label={`Remove item: ${item.text || "untitled"}`}
          className="rounded p-0.5 text-slate-400 hover:bg-slate-200 hover:text-slate-700 focus-visible:opacity-100 pointer-fine:opacity-0 pointer-fine:group-hover:opacity-100"
        >
          <X className="h-3.5 w-3.5" aria-hidden />
        </button>
      ) : null}
    </li>
  );
}
