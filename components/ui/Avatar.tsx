const PALETTE = [
  "bg-indigo-700",
  "bg-emerald-700",
  "bg-rose-700",
  "bg-amber-700",
  "bg-sky-700",
  "bg-fuchsia-700",
  "bg-teal-700",
  "bg-orange-700",
] as const;

/** A stable color per user name, so that an avatar and that user's cursor match on every screen. */
export function colorOf(name: string): (typeof PALETTE)[number] {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}

export function Avatar({
  name,
  size = "md",
  className = "",
}: {
  name: string;
  size?: "sm" | "md";
  className?: string;
}) {
  const dims = size === "sm" ? "h-6 w-6 text-[10px]" : "h-8 w-8 text-xs";
  return (
    <span
      aria-hidden
      className={`inline-flex shrink-0 items-center justify-center rounded-full font-semibold uppercase text-white ${dims} ${colorOf(name)} ${className}`}
    >
      {name.slice(0, 2)}
    </span>
  );
}
