"use client";

import type { ReactNode } from "react";
import { Dialog, DialogActions } from "./Dialog";
import { ErrorNote } from "./ErrorNote";

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busyLabel: string;
  tone?: "danger" | "primary";
  busy: boolean;
  /** Why the last attempt failed, shown in the dialog. */
  error?: string | null;
  onConfirm(): void;
  onCancel(): void;
}

/**
 * A confirmation on the app's modal. While the action runs it cannot be dismissed, so its outcome is always seen.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const {
    open,
    title,
    children,
    confirmLabel,
    busyLabel,
    tone = "primary",
    busy,
    error,
    onConfirm,
    onCancel,
  } = props;
  return (
    <Dialog open={open} onClose={() => !busy && onCancel()} title={title}>
      <div className="space-y-2 text-sm text-slate-600">{children}</div>
      <ErrorNote look="box" className="mt-3">
        {error}
      </ErrorNote>
      <div className="mt-4">
        <DialogActions onCancel={onCancel} busy={busy} tone={tone} size="sm" onConfirm={onConfirm}>
          {busy ? busyLabel : confirmLabel}
        </DialogActions>
      </div>
    </Dialog>
  );
}
