"use client";

import { Pencil } from "lucide-react";
import { useRef, useState } from "react";

interface InlineEditProps {
  value: string;
  /** The committed revision of the field now; the one captured when editing starts is handed to `onSave`. */
  base: number;
  onSave(value: string, base: number): void;
  /** What the field is, for screen readers ("Board title"). */
  label: string;
  placeholder?: string;
  maxLength: number;
  required?: boolean;
  disabled?: boolean;
  onEditingChange?(editing: boolean): void;
  className?: string;
  inputClassName?: string;
  /** Long values wrap onto more lines instead of being cut with an ellipsis (a page title). */
  wrap?: boolean;
}

/** Text that turns into an input on click: Enter or leaving the field saves, Escape cancels. */
export function InlineEdit(props: InlineEditProps) {
  const fit = props.wrap ? "[overflow-wrap:anywhere]" : "truncate";
  const { value, base, onSave, label, placeholder, maxLength, required, disabled, onEditingChange } = props;
  const [draft, setDraft] = useState<string | null>(null);
  const baseAtStart = useRef(0);

  const start = () => {
    baseAtStart.current = base;
    setDraft(value);
    onEditingChange?.(true);
  };
  const finish = (save: boolean) => {
    if (draft === null) return;
    const next = draft.trim();
    setDraft(null);
    onEditingChange?.(false);
    if (save && next !== value && (!required || next.length > 0)) onSave(next, baseAtStart.current);
  };

  if (draft !== null) {
    return (
      <input
        aria-label={label}
        autoFocus
        value={draft}
        maxLength={maxLength}
        placeholder={placeholder}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => finish(true)}
        onKeyDown={(e) => {
          if (e.key === "Enter") finish(true);
          if (e.key === "Escape") finish(false);
        }}
        className={`min-w-0 flex-1 rounded-md border-0 bg-white px-1.5 py-0.5 ring-2 ring-indigo-500 focus:outline-none ${props.inputClassName ?? ""}`}
      />
    );
  }
  if (disabled) {
    return (
      <span className={`min-w-0 ${fit} ${props.className ?? ""}`}>
        {value || <span className="text-slate-500">{placeholder}</span>}
      </span>
    );
  }
  return (
    <button
      type="button"
      onClick={start}
      title={`Rename: ${value || placeholder || label}`}
      aria-label={`${label}: ${value || "untitled"}. Click to rename`}
      className={`group/edit flex min-w-0 items-center gap-1.5 rounded-md px-1.5 py-0.5 text-left hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 ${props.className ?? ""}`}
    >
      <span className={`min-w-0 ${fit}`}>
        {value || <span className="text-slate-500">{placeholder}</span>}
      </span>
      <Pencil
        className="h-3.5 w-3.5 shrink-0 text-slate-400 opacity-0 group-hover/edit:opacity-100 group-focus-visible/edit:opacity-100"
        aria-hidden
      />
    </button>
  );
}
