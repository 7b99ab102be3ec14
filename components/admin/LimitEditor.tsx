"use client";

import { Loader2 } from "lucide-react";
import { useId, useState } from "react";
import { CONNECTION_LIMIT_MAX, CONNECTION_LIMIT_MIN } from "@/lib/protocol/admin";
import { ErrorNote } from "@/components/ui/ErrorNote";
import { button, fieldSm } from "@/components/ui/styles";
import { formatCount } from "@/lib/format";

export interface LimitEditorProps {
  /** What the field starts with. */
  value: number;
  label: string;
  /** Saves a limit, or clears it with null; resolves with an error message, or null when it worked. */
  save(limit: number | null): Promise<string | null>;
  /** Offered when there is something to clear (an override, a runtime default). */
  clearLabel?: string;
  onDone(): void;
}

/** A small inline form for one connection limit: a number, Save, optionally Clear, and Cancel. */
export function LimitEditor({ value, label, save, clearLabel, onDone }: LimitEditorProps) {
  const [text, setText] = useState(String(value));
  const [busy, setBusy] = useState<"save" | "clear" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();
  const parsed = Number(text);
  const valid = Number.isInteger(parsed) && parsed >= CONNECTION_LIMIT_MIN && parsed <= CONNECTION_LIMIT_MAX;

  async function run(kind: "save" | "clear") {
    setBusy(kind);
    setError(null);
    const failed = await save(kind === "save" ? parsed : null);
    setBusy(null);
    if (failed) setError(failed);
    else onDone();
  }

  return (
    <form
      className="flex flex-wrap items-center gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid && !busy) void run("save");
      }}
    >
      <input
        type="number"
        inputMode="numeric"
        min={CONNECTION_LIMIT_MIN}
        max={CONNECTION_LIMIT_MAX}
        step={1}
        required
        autoFocus
        aria-label={label}
        aria-invalid={!valid}
        aria-describedby={error ? errorId : undefined}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape" && !busy) onDone();
        }}
        className={`${fieldSm} w-24 tabular-nums`}
      />
      <button type="submit" className={button("primary", "sm")} disabled={!valid || busy !== null}>
        {busy === "save" ? <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> : null}
        Save
      </button>
      {clearLabel ? (
        <button
          type="button"
          className={button("ghost", "sm")}
          disabled={busy !== null}
          onClick={() => void run("clear")}
        >
          {busy === "clear" ? <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> : null}
          {clearLabel}
        </button>
      ) : null}
      <button type="button" className={button("ghost", "sm")} disabled={busy !== null} onClick={onDone}>
        Cancel
      </button>
      {!valid ? (
        <p className="w-full text-xs text-rose-700">
          A whole number from {CONNECTION_LIMIT_MIN} to {formatCount(CONNECTION_LIMIT_MAX)}.
        </p>
      ) : null}
      <ErrorNote id={errorId} look="small" className="w-full">
        {error}
      </ErrorNote>
    </form>
  );
}
