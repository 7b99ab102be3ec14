/**
 * The looks every screen shares (board, home, tasks, admin, tokens), so that a button or a field reads the same
 * wherever it stands. Each size spells its own padding, so that no two classes set the same property.
 */
export type ButtonTone = "primary" | "danger" | "secondary" | "ghost" | "dangerGhost" | "dangerOutline";
export type ButtonSize = "md" | "sm" | "xs";

const BASE =
  "inline-flex items-center justify-center rounded-lg text-sm focus-visible:outline-2 focus-visible:outline-offset-2 disabled:cursor-not-allowed disabled:opacity-60";

const TONE: Record<ButtonTone, string> = {
  primary: "bg-indigo-600 font-semibold text-white hover:bg-indigo-700 focus-visible:outline-indigo-500",
  danger: "bg-rose-600 font-semibold text-white hover:bg-rose-700 focus-visible:outline-rose-500",
  secondary:
    "bg-white font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50 focus-visible:outline-indigo-500",
  ghost:
    "font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900 focus-visible:outline-indigo-500",
  dangerGhost: "font-medium text-rose-700 hover:bg-rose-50 focus-visible:outline-rose-500",
  dangerOutline:
    "bg-white font-medium text-rose-700 ring-1 ring-rose-300 hover:bg-rose-50 focus-visible:outline-rose-500",
};

/** `md` for forms and dialogs, `sm` for dense panels (admin, tables), `xs` for a button inside a table cell. */
const SIZE: Record<ButtonSize, string> = {
  md: "gap-2 px-3 py-2",
  sm: "gap-1.5 px-3 py-1.5",
  xs: "gap-1 px-2 py-1",
};

/** The classes of a button of this tone and size. */
export function button(tone: ButtonTone, size: ButtonSize = "md"): string {
  return `${BASE} ${TONE[tone]} ${SIZE[size]}`;
}

const FIELD =
  "rounded-lg border-0 bg-white px-3 text-sm text-slate-900 ring-1 ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-500 focus:outline-none";

/** A text field's look, without its width or display, which the layout around it decides. */
export const field = `${FIELD} py-2`;
/** A field as tall as a `sm` button, for dense panels. */
export const fieldSm = `${FIELD} py-1.5`;

/** A white panel on the page's grey. */
export const card = "rounded-2xl bg-white shadow-sm ring-1 ring-slate-200";

/** The common cases by name. */
export const btn = {
  primary: button("primary"),
  danger: button("danger"),
  secondary: button("secondary"),
  ghost: button("ghost"),
  dangerGhost: button("dangerGhost"),
  icon: "inline-flex h-8 w-8 shrink-0 items-center justify-center rounded-lg text-slate-500 hover:bg-slate-100 hover:text-slate-800 focus-visible:outline-2 focus-visible:outline-indigo-500 disabled:opacity-50",
  input: `block w-full ${field}`,
} as const;
