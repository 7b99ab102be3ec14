import type { ReactNode } from "react";

const LOOK = {
  /** A tinted box, for a section or a dialog. */
  box: "rounded-lg bg-rose-50 px-3 py-2 text-sm text-rose-800",
  /** Plain text, under a form. */
  text: "text-sm text-rose-700",
  /** Small plain text, under a compact form. */
  small: "text-xs text-rose-700",
} as const;

/** Why something failed, announced when it appears; nothing when there is no error. */
export function ErrorNote({
  children,
  look = "text",
  className = "",
  id,
}: {
  children: ReactNode;
  look?: keyof typeof LOOK;
  /** Its place in the layout: margins, width. */
  className?: string;
  id?: string;
}) {
  if (children === null || children === undefined || children === false || children === "") return null;
  return (
    <p id={id} role="alert" className={`${LOOK[look]} ${className}`}>
      {children}
    </p>
  );
}
