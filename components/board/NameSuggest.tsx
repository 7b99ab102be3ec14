"use client";

import { Users } from "lucide-react";
import { useEffect, useId, useState, type InputHTMLAttributes, type KeyboardEvent } from "react";
import type { UserSuggestion } from "@/lib/protocol/boards";
import { btn } from "@/components/ui/styles";
import { useRealtime } from "../realtime/SocketProvider";

const PREFIX = /^[a-z0-9_-]{1,32}$/;
const DEBOUNCE_MS = 150;

interface NameSuggestProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange"> {
  value: string;
  onValueChange(value: string): void;
  /** Names not to offer (the board's owner and members). */
  exclude: ReadonlySet<string>;
}

/**
 * A user-name field that suggests names as one types (`users:suggest`): people one shares boards with first,
 * then other users. A combobox with a listbox: arrows move, Enter or a click picks, Escape closes the list.
 */
export function NameSuggest({ value, onValueChange, exclude, ...input }: NameSuggestProps) {
  const { socket } = useRealtime();
  const listId = useId();
  const [found, setFound] = useState<{ prefix: string; users: UserSuggestion[] }>({ prefix: "", users: [] });
  const [active, setActive] = useState(-1);
  const [dismissed, setDismissed] = useState(false);
  const prefix = value.trim().toLowerCase();

  useEffect(() => {
    if (!socket || !PREFIX.test(prefix)) return;
    let current = true;
    const timer = setTimeout(() => {
      socket.emit("users:suggest", { prefix }, (res) => {
        if (current && res.ok) setFound({ prefix, users: res.users });
      });
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [socket, prefix]);

  const options =
    found.prefix === prefix && PREFIX.test(prefix)
      ? found.users.filter((u) => !exclude.has(u.name) && u.name !== prefix)
      : [];
  const open = options.length > 0 && !dismissed;

  const pick = (name: string) => {
    onValueChange(name);
    setDismissed(true);
    setActive(-1);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (!open) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const n = options.length;
      setActive((a) => (e.key === "ArrowDown" ? (a + 1) % n : a <= 0 ? n - 1 : a - 1));
    } else if (e.key === "Enter" && active >= 0 && active < options.length) {
      e.preventDefault();
      pick(options[active]!.name);
    } else if (e.key === "Escape") {
      // Closes the list, not the dialog around it.
      e.preventDefault();
      e.stopPropagation();
      setDismissed(true);
    }
  };
  const activeId = open && active >= 0 && active < options.length ? `${listId}-${active}` : undefined;

  return (
    <div className="relative">
      <input
        {...input}
        value={value}
        onChange={(e) => {
          onValueChange(e.target.value);
          setDismissed(false);
          setActive(-1);
        }}
        onKeyDown={onKeyDown}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={activeId}
        className={btn.input}
      />
      <ul
        id={listId}
        role="listbox"
        aria-label="Suggested people"
        hidden={!open}
        data-testid="share-suggestions"
        className="absolute top-full right-0 left-0 z-10 mt-1 max-h-60 overflow-auto rounded-lg bg-white py-1 text-sm shadow-lg ring-1 ring-slate-200"
      >
        {options.map((u, i) => (
          <li
            key={u.name}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === active}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => pick(u.name)}
            className={`flex cursor-pointer items-center justify-between gap-2 px-3 py-1.5 ${
              i === active ? "bg-indigo-50 text-indigo-900" : "text-slate-800 hover:bg-slate-50"
            }`}
          >
            <span className="font-medium">{u.name}</span>
            {u.colleague ? (
              <span className="inline-flex items-center gap-1 text-xs text-slate-600">
                <Users className="h-3 w-3" aria-hidden />
                shares a board with you
              </span>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
