"use client";

import {
  createContext,
  useContext,
  useEffect,
  useId,
  useRef,
  type KeyboardEvent,
  type ReactNode,
} from "react";
import { menuButtonKey, menuKey, menuTypeAhead } from "./menu-keys";
import { usePopover } from "./usePopover";

interface MenuProps {
  /** The button's content. */
  trigger: ReactNode;
  triggerClassName: string;
  /** The button's accessible name, when its content does not say it (an icon). */
  triggerLabel?: string;
  disabled?: boolean;
  /** The menu's accessible name. */
  menuLabel?: string;
  /** Classes of the menu panel: its width and stacking. */
  menuClassName?: string;
  /** Text above the items, which is not an item (who is signed in). */
  header?: ReactNode;
  /** `MenuItem`s. */
  children: ReactNode;
}

/** How an item closes its menu, giving focus back to the menu's button. */
const CloseMenu = createContext<() => void>(() => {});

const ITEM = '[role="menuitem"]:not([disabled])';

/**
 * A menu button on the WAI-ARIA pattern: opening focuses the first item (ArrowUp on the button: the last),
 * ArrowUp/ArrowDown move and wrap, Home/End go to the ends, a letter goes to the next item starting with it,
 * Escape closes and returns focus to the button, Tab and a click outside close it.
 */
export function Menu(props: MenuProps) {
  const { open, setOpen, ref } = usePopover();
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const focusOnOpen = useRef<"first" | "last">("first");
  const menuId = useId();

  const items = () => Array.from(menu.current?.querySelectorAll<HTMLElement>(ITEM) ?? []);
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    const list = Array.from(menu.current?.querySelectorAll<HTMLElement>(ITEM) ?? []);
    (focusOnOpen.current === "last" ? list.at(-1) : list[0])?.focus();
  }, [open]);

  const openAt = (where: "first" | "last") => {
    focusOnOpen.current = where;
    setOpen(true);
  };

  const onMenuKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const list = items();
    const current = list.indexOf(document.activeElement as HTMLElement);
    const move = menuKey(e.key, current, list.length);
    if (move.kind === "close") {
      // Focus goes back to the button either way; on Tab the browser then moves it on from there.
      if (move.refocus) e.preventDefault();
      close();
    } else if (move.kind === "focus") {
      e.preventDefault();
      list[move.index]?.focus();
    } else if (!e.ctrlKey && !e.metaKey && !e.altKey) {
      const next = menuTypeAhead(
        e.key,
        current,
        list.map((el) => el.textContent ?? ""),
      );
      if (next >= 0) list[next]?.focus();
    }
  };

  return (
    <div className="relative" ref={ref}>
      <button
        ref={button}
        type="button"
        aria-label={props.triggerLabel}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        disabled={props.disabled}
        onClick={() => (open ? setOpen(false) : openAt("first"))}
        onKeyDown={(e) => {
          const where = open ? null : menuButtonKey(e.key);
          if (!where) return;
          e.preventDefault();
          openAt(where);
        }}
        className={props.triggerClassName}
      >
        {props.trigger}
      </button>
      {open ? (
        <div
          ref={menu}
          id={menuId}
          role="menu"
          aria-label={props.menuLabel}
          onKeyDown={onMenuKey}
          className={`absolute right-0 mt-2 rounded-xl bg-white p-1 shadow-lg ring-1 ring-slate-200 ${props.menuClassName ?? "z-50 w-56"}`}
        >
          {props.header}
          <CloseMenu value={close}>{props.children}</CloseMenu>
        </div>
      ) : null}
    </div>
  );
}

/**
 * One item of a `Menu`: choosing it closes the menu, then runs `onSelect`. Focus is moved by the menu, so items
 * are not in the tab order.
 */
export function MenuItem({
  onSelect,
  children,
  layout = "items-center gap-2",
}: {
  onSelect(): void;
  children: ReactNode;
  /** How the item lays out its icon and text. */
  layout?: string;
}) {
  const close = useContext(CloseMenu);
  return (
    <button
      type="button"
      role="menuitem"
      tabIndex={-1}
      onClick={() => {
        close();
        onSelect();
      }}
      className={`flex w-full rounded-lg px-3 py-2 text-left text-sm text-slate-700 hover:bg-slate-100 focus:bg-slate-100 focus:outline-none ${layout}`}
    >
      {children}
    </button>
  );
}
