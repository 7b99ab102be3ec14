import { AlertTriangle } from "lucide-react";
import type { ReactNode } from "react";

interface ConflictPanelProps {
  title: string;
  theirs: ReactNode;
  mine: ReactNode;
  onKeepMine(): void;
  onUseTheirs(): void;
}

/** Shows both versions of a field two people changed at once, and lets the user choose; nothing is lost silently. */
export function ConflictPanel({ title, theirs, mine, onKeepMine, onUseTheirs }: ConflictPanelProps) {
  return (
    <div
      role="alert"
      data-testid="conflict"
      className="rounded-lg bg-amber-50 p-3 text-sm ring-1 ring-amber-300"
    >
      <p className="flex items-center gap-2 font-medium text-amber-900">
        <AlertTriangle className="h-4 w-4 shrink-0" aria-hidden />
        {title}
      </p>
      <div className="mt-2 grid gap-2 sm:grid-cols-2">
        <div className="min-w-0 rounded-md bg-white p-2 ring-1 ring-amber-200">
          <p className="text-xs font-semibold tracking-wide text-slate-500 uppercase">
            Their version (saved)
          </p>
          <div className="mt-1 max-h-24 overflow-auto" data-testid="conflict-theirs">
            {theirs}
          </div>
        </div>
        <div className="min-w-0 rounded-md bg-white p-2 ring-1 ring-amber-200">
          <p className="text-xs font-semibold tracking-wide text-slate-500 uppercase">
            Your version (not saved)
          </p>
          <div className="mt-1 max-h-24 overflow-auto" data-testid="conflict-mine">
            {mine}
          </div>
        </div>
      </div>
      <div className="mt-2 flex flex-wrap gap-2">
        <button
          type="button"
          onClick={onKeepMine}
          className="rounded-lg bg-amber-600 px-3 py-1.5 text-xs font-semibold text-white hover:bg-amber-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-amber-600"
        >
          Keep mine
        </button>
        <button
          type="button"
          onClick={onUseTheirs}
          className="rounded-lg bg-white px-3 py-1.5 text-xs font-semibold text-amber-900 ring-1 ring-amber-300 hover:bg-amber-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-amber-600"
        >
          Use theirs
        </button>
      </div>
    </div>
  );
}
