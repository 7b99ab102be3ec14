"use client";

import { useId, useRef, type ReactNode } from "react";

interface PopoverProps {
  /** The button's content and accessible name. */
  trigger: ReactNode;
  label: string;
  triggerClassName?: string;
  /** Width of the panel in px; it opens below the button, aligned to its right edge, kept inside the window. */
  width?: number;
  children: ReactNode;
}

/**
 * A panel in the browser's top layer (the `popover` attribute), so that no scrolling or clipping container, such
 * as a grid item, cuts it off. Light dismiss and Escape come from the browser.
 */
export function Popover({ trigger, label, triggerClassName, width = 400, children }: PopoverProps) {
  const id = useId();
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);

  const place = () => {
    const b = button.current?.getBoundingClientRect();
    const p = panel.current;
    if (!b || !p) return;
    const w = Math.min(width, window.innerWidth - 16);
    const left = Math.max(8, Math.min(b.right - w, window.innerWidth - w - 8));
    p.style.width = `${w}px`;
    p.style.left = `${left}px`;
    p.style.top = `${Math.min(b.bottom + 4, window.innerHeight - 48)}px`;
  };

  return (
    <>
      <button ref={button} type="button" popoverTarget={id} aria-label={label} className={triggerClassName}>
        {trigger}
      </button>
      <div
        ref={panel}
        id={id}
        popover="auto"
        role="dialog"
        aria-label={label}
        onBeforeToggle={(e) => {
          if ((e as unknown as ToggleEvent).newState === "open") place();
        }}
        className="fixed m-0 max-h-[calc(100vh-5rem)] overflow-auto rounded-xl bg-white p-4 text-sm shadow-xl ring-1 ring-slate-200"
      >
        {children}
      </div>
    </>
  );
}
