import { Loader2 } from "lucide-react";
import type { ReactNode } from "react";

/** One full-width row in place of a table's rows: still loading, or nothing to list. */
export function TableNotice({
  columns,
  loading = false,
  children,
}: {
  columns: number;
  loading?: boolean;
  children: ReactNode;
}) {
  return (
    <tr>
      <td colSpan={columns} className="px-4 py-6 text-center text-slate-500">
        {loading ? <Loader2 className="mr-2 inline h-4 w-4 animate-spin" aria-hidden /> : null}
        {children}
      </td>
    </tr>
  );
}
