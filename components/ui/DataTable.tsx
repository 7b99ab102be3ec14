import { Loader2 } from "lucide-react";
import { Fragment, type HTMLAttributes, type ReactNode, type TdHTMLAttributes } from "react";

type DataAttributes = { [key: `data-${string}`]: string | number | boolean | undefined };

export interface Column<T> {
  /** The header's text; with `hiddenHeader`, read by screen readers only (an actions column). */
  header: ReactNode;
  hiddenHeader?: boolean;
  align?: "left" | "right";
  /** Shown from this breakpoint up, hidden on narrower screens (whose rows repeat it in the first cell). */
  from?: "sm" | "md";
  /** The row's name: a `<th scope="row">`. */
  rowHeader?: boolean;
  /** More classes of this column's cells (not its header). */
  className?: string;
  cell(row: T): ReactNode;
  /** Attributes of one cell: test ids, data, a title. */
  cellProps?(row: T): Omit<TdHTMLAttributes<HTMLTableCellElement>, "className" | "children"> & DataAttributes;
}

export interface DataTableProps<T> {
  columns: readonly Column<T>[];
  /** null while loading. */
  rows: readonly T[] | null;
  rowKey(row: T): string;
  rowProps?(row: T): Omit<HTMLAttributes<HTMLTableRowElement>, "children"> & DataAttributes;
  /** A full-width row below a row (its details), or null. */
  detail?(row: T): { id: string; content: ReactNode } | null;
  loading?: ReactNode;
  /** What an empty table says; without it, an empty table shows its headers only. */
  empty?: ReactNode;
  caption?: string;
  "data-testid"?: string;
  /** The table's own classes: its minimum widths, so narrow screens scroll it rather than squash it. */
  className?: string;
  /** `compact` for a table nested in another: smaller text, no uppercase headers. */
  density?: "normal" | "compact";
}

const HIDE = { sm: "hidden sm:table-cell", md: "hidden md:table-cell" } as const;

/**
 * The one table of the app's lists (admin instances, users, queue failures, API tokens): drops its optional
 * columns on narrow screens (put it in an `overflow-x-auto` box to scroll the rest sideways), and says so in one
 * row when it is loading or has nothing to list.
 */
export function DataTable<T>(props: DataTableProps<T>) {
  const { columns, rows, rowKey, rowProps, detail, density = "normal" } = props;
  const compact = density === "compact";
  const pad = (i: number) => {
    const y = compact ? "py-1.5" : "py-2";
    return compact || (i > 0 && i < columns.length - 1) ? `px-3 ${y}` : `px-4 ${y}`;
  };
  const place = (c: Column<T>, i: number) =>
    [pad(i), c.align === "right" ? "text-right" : "", c.from ? HIDE[c.from] : ""].filter(Boolean).join(" ");

  return (
    <table
      className={`w-full text-left ${compact ? "text-xs" : "text-sm"} ${props.className ?? ""}`}
      data-testid={props["data-testid"]}
    >
      {props.caption ? <caption className="sr-only">{props.caption}</caption> : null}
      <thead
        className={
          compact
            ? "text-slate-500"
            : "border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500"
        }
      >
        <tr>
          {columns.map((c, i) => (
            <th key={i} scope="col" className={`${place(c, i)} font-medium`}>
              {c.hiddenHeader ? <span className="sr-only">{c.header}</span> : c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody className={`divide-y divide-slate-100 ${compact ? "text-slate-700" : ""}`}>
        {rows === null || (rows.length === 0 && props.empty !== undefined) ? (
          <tr>
            <td colSpan={columns.length} className="px-4 py-6 text-center text-slate-500">
              {rows === null ? (
                <>
                  <Loader2 className="mr-2 inline h-4 w-4 animate-spin" aria-hidden />
                  {props.loading ?? "Loading…"}
                </>
              ) : (
                props.empty
              )}
            </td>
          </tr>
        ) : null}
        {rows?.map((row) => {
          const more = detail?.(row) ?? null;
          return (
            <Fragment key={rowKey(row)}>
              <tr {...rowProps?.(row)}>
                {columns.map((c, i) => {
                  const className = `${place(c, i)} ${c.className ?? ""}`;
                  return c.rowHeader ? (
                    <th key={i} scope="row" className={className} {...c.cellProps?.(row)}>
                      {c.cell(row)}
                    </th>
                  ) : (
                    <td key={i} className={className} {...c.cellProps?.(row)}>
                      {c.cell(row)}
                    </td>
                  );
                })}
              </tr>
              {more ? (
                <tr id={more.id} className="bg-slate-50/60">
                  <td colSpan={columns.length} className="px-4 pb-3 pt-1">
                    {more.content}
                  </td>
                </tr>
              ) : null}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

/** The last column, of a row's buttons: its header is for screen readers only, its cells align right. */
export function actionsColumn<T>(cell: (row: T) => ReactNode): Column<T> {
  return { header: "Actions", hiddenHeader: true, align: "right", className: "whitespace-nowrap", cell };
}
