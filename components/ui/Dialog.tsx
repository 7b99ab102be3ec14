"use client";

import { Loader2, X } from "lucide-react";
import { useEffect, useId, useRef, type ReactNode } from "react";
import { button } from "./styles";

interface DialogProps {
  open: boolean;
  onClose(): void;
  title: string;
  description?: ReactNode;
  children?: ReactNode;
  /** Wider dialogs for forms with lists (sharing). */
  size?: "sm" | "md";
}

/**
 * A modal on the native `<dialog>`: focus moves in and is trapped by the browser, Escape closes it, and the rest of
 * the page is inert. Content mounts only while open, so forms start fresh each time.
 */
export function Dialog({ open, onClose, title, description, children, size = "sm" }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descId : undefined}
      onClose={onClose}
      onClick={(e) => {
        // A click on the backdrop lands on the dialog element itself.
        if (e.target === e.currentTarget) onClose();
      }}
      className={`m-auto w-[calc(100%-2rem)] ${size === "md" ? "max-w-lg" : "max-w-md"} rounded-2xl bg-white p-0 text-slate-900 shadow-xl ring-1 ring-slate-200 backdrop:bg-slate-900/40 backdrop:backdrop-blur-[1px]`}
    >
      {open ? (
        <div className="p-5">
          <div className="flex items-start justify-between gap-4">
            <h2 id={titleId} className="text-lg font-semibold">
              {title}
            </h2>
            <button
              type="button"
              onClick={onClose}
              aria-label="Close"
              className="-m-1 rounded-lg p-1 text-slate-500 hover:bg-slate-100 hover:text-slate-800 focus-visible:outline-2 focus-visible:outline-indigo-500"
            >
              <X className="h-5 w-5" aria-hidden />
            </button>
          </div>
          {description ? (
            <div id={descId} className="mt-1 text-sm text-slate-600">
              {description}
            </div>
          ) : null}
          <div className="mt-4">{children}</div>
        </div>
      ) : null}
    </dialog>
  );
}

interface DialogActionsProps {
  onCancel(): void;
  /** While the action runs: both buttons wait, and a spinner replaces the icon. */
  busy: boolean;
  /** The action cannot run now (not connected, nothing typed). */
  disabled?: boolean;
  tone?: "primary" | "danger";
  size?: "md" | "sm";
  icon?: ReactNode;
  /** A submit button of the dialog's form; otherwise a button that calls `onConfirm`. */
  onConfirm?(): void;
  /** The action's label. */
  children: ReactNode;
}

/** A dialog's footer: Cancel, then the action, on the right. */
export function DialogActions(props: DialogActionsProps) {
  const {
    onCancel,
    busy,
    disabled = false,
    tone = "primary",
    size = "md",
    icon,
    onConfirm,
    children,
  } = props;
  return (
    <div className="flex justify-end gap-2">
      <button type="button" className={button("secondary", size)} onClick={onCancel} disabled={busy}>
        Cancel
      </button>
      <button
        type={onConfirm ? "button" : "submit"}
        className={button(tone, size)}
        onClick={onConfirm}
        disabled={busy || disabled}
      >
        {busy ? <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> : icon}
        {children}
      </button>
    </div>
  );
}
