"use client";

import { useId, useState, type TextareaHTMLAttributes } from "react";
import { Avatar } from "@/components/ui/Avatar";

interface MentionTextareaProps extends Omit<
  TextareaHTMLAttributes<HTMLTextAreaElement>,
  "value" | "onChange"
> {
  value: string;
  onValueChange(value: string): void;
  /** User names that can be mentioned (the board's members). */
  candidates: string[];
}

const QUERY = /(?:^|[^\w@])@([a-z0-9_-]{0,31})$/i;

/** A textarea that suggests board members after `@`; arrows choose, Enter or Tab inserts, Escape dismisses. */
export function MentionTextarea({
  value,
  onValueChange,
  candidates,
  onKeyDown,
  ...rest
}: MentionTextareaProps) {
  const listId = useId();
  const [caret, setCaret] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);

  const query = caret === null ? null : (QUERY.exec(value.slice(0, caret))?.[1]?.toLowerCase() ?? null);
  const suggestions =
    query === null || dismissedAt === caret
      ? []
      : candidates.filter((c) => c.startsWith(query) && c !== query).slice(0, 6);
  const open = suggestions.length > 0;
  const current = Math.min(active, suggestions.length - 1);

  const insert = (el: HTMLTextAreaElement, name: string) => {
    if (caret === null || query === null) return;
    const start = caret - query.length;
    const next = `${value.slice(0, start)}${name} ${value.slice(caret)}`;
    onValueChange(next);
    const pos = start + name.length + 1;
    requestAnimationFrame(() => {
      el.setSelectionRange(pos, pos);
      setCaret(pos);
    });
  };

  return (
    <div className="relative h-full">
      <textarea
        {...rest}
        value={value}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={open ? listId : undefined}
        aria-activedescendant={open ? `${listId}-${current}` : undefined}
        onChange={(e) => {
          onValueChange(e.target.value);
          setCaret(e.target.selectionStart);
          setActive(0);
        }}
        onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
        onKeyDown={(e) => {
          if (open) {
            if (e.key === "ArrowDown" || e.key === "ArrowUp") {
              e.preventDefault();
              const d = e.key === "ArrowDown" ? 1 : -1;
              setActive((current + d + suggestions.length) % suggestions.length);
              return;
            }
            if (e.key === "Enter" || e.key === "Tab") {
              e.preventDefault();
              insert(e.currentTarget, suggestions[current]!);
              return;
            }
            if (e.key === "Escape") {
              e.preventDefault();
              e.stopPropagation();
              setDismissedAt(caret);
              return;
            }
          }
          onKeyDown?.(e);
        }}
      />
      {open ? (
        <ul
          id={listId}
          role="listbox"
          aria-label="Mention a member"
          className="absolute bottom-2 left-2 z-10 w-48 overflow-hidden rounded-lg bg-white py-1 text-sm shadow-lg ring-1 ring-slate-200"
        >
          {suggestions.map((name, i) => (
            <li
              key={name}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === current}
              onPointerDown={(e) => {
                e.preventDefault();
                const el = e.currentTarget.closest("div")?.querySelector("textarea");
                if (el) insert(el, name);
              }}
              className={`flex cursor-pointer items-center gap-2 px-3 py-1.5 ${i === current ? "bg-indigo-50 text-indigo-900" : "text-slate-700"}`}
            >
              <Avatar name={name} size="sm" />@{name}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
