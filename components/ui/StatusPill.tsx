import { Loader2 } from "lucide-react";
import type { HTMLAttributes, ReactNode } from "react";

export type PillTone = "success" | "info" | "warning" | "danger" | "neutral" | "muted";

const TONE: Record<PillTone, { pill: string; dot: string }> = {
  success: { pill: "bg-emerald-50 text-emerald-700 ring-emerald-200", dot: "bg-emerald-500" },
  info: { pill: "bg-indigo-50 text-indigo-800 ring-indigo-200", dot: "bg-indigo-500" },
  warning: { pill: "bg-amber-50 text-amber-800 ring-amber-200", dot: "bg-amber-500" },
  danger: { pill: "bg-rose-50 text-rose-700 ring-rose-200", dot: "bg-rose-500" },
  neutral: { pill: "bg-slate-50 text-slate-700 ring-slate-200", dot: "bg-slate-400" },
  muted: { pill: "bg-slate-100 text-slate-600 ring-slate-200", dot: "bg-slate-400" },
};

const SIZE = {
  xs: "gap-1.5 px-2 py-0.5 text-xs",
  sm: "gap-2 px-3 py-1 text-xs",
  md: "gap-2 px-3 py-1 text-sm",
} as const;

type DataAttributes = { [key: `data-${string}`]: string | number | boolean | undefined };

export interface StatusPillProps extends Omit<HTMLAttributes<HTMLSpanElement>, "className">, DataAttributes {
  tone: PillTone;
  size?: keyof typeof SIZE;
  /** What leads the text: a dot (`pulse`: a live one), a spinner (`busy`), or nothing. */
  mark?: "dot" | "pulse" | "busy" | "none";
  children: ReactNode;
}

/** A rounded label for a state: live, draining, connecting, refused. Its color is never the only sign. */
export function StatusPill({ tone, size = "xs", mark = "none", children, ...rest }: StatusPillProps) {
  const look = TONE[tone];
  return (
    <span
      {...rest}
      className={`inline-flex items-center rounded-full font-medium ring-1 ${SIZE[size]} ${look.pill}`}
    >
      {mark === "busy" ? (
        <Loader2 className="h-3.5 w-3.5 animate-spin" aria-hidden />
      ) : mark === "dot" || mark === "pulse" ? (
        <span
          aria-hidden
          className={`h-2 w-2 rounded-full ${look.dot} ${mark === "pulse" ? "animate-pulse" : ""}`}
        />
      ) : null}
      {children}
    </span>
  );
}
