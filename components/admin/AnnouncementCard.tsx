"use client";

import { CheckCircle2, Megaphone } from "lucide-react";
import { useId, useState } from "react";
import type { AdminSocket } from "@/lib/client/admin-socket";
import { ANNOUNCEMENT_MAX_CHARS } from "@/lib/protocol/admin";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { button, card, fieldSm } from "@/components/ui/styles";
import { adminRequest } from "./admin-request";
import { formatCompact, formatTime } from "@/lib/format";

interface Sent {
  message: string;
  at: number;
  recipients: number;
  failed: number;
}

/**
 * Broadcasts a short announcement: a toast for everyone online now, on every instance, and an item in every user's
 * notification feed for those who are not.
 */
export function AnnouncementCard({ admin, live }: { admin: AdminSocket | null; live: boolean }) {
  const [text, setText] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<Sent[]>([]);
  const id = useId();
  const message = text.trim();
  const left = ANNOUNCEMENT_MAX_CHARS - text.length;

  async function send() {
    setBusy(true);
    setError(null);
    const res = await adminRequest(admin, "admin:announce", { message });
    setBusy(false);
    if (!res.ok) {
      setError(res.error.message);
      return;
    }
    setConfirming(false);
    setText("");
    setSent((list) =>
      [{ message, at: res.at, recipients: res.recipients, failed: res.failed }, ...list].slice(0, 3),
    );
  }

  return (
    <section id="announce" aria-labelledby="announce-title" className={`${card} scroll-mt-24 p-4`}>
      <h2 id="announce-title" className="flex items-center gap-2 text-sm font-medium text-slate-900">
        <Megaphone className="h-4 w-4 text-indigo-600" aria-hidden />
        Announcement
      </h2>
      <p className="text-xs text-slate-500">
        Everyone online sees it at once as a toast; every user finds it in their notifications.
      </p>
      <form
        className="mt-3"
        onSubmit={(e) => {
          e.preventDefault();
          if (message) {
            setError(null);
            setConfirming(true);
          }
        }}
      >
        <label htmlFor={`${id}-text`} className="sr-only">
          Announcement text
        </label>
        <textarea
          id={`${id}-text`}
          value={text}
          onChange={(e) => setText(e.target.value)}
          maxLength={ANNOUNCEMENT_MAX_CHARS}
          rows={3}
          placeholder="Maintenance tonight from 22:00 UTC; boards stay readable."
          aria-describedby={`${id}-count`}
          className={`${fieldSm} block w-full resize-y`}
          data-testid="announcement-text"
        />
        <div className="mt-2 flex items-center justify-between gap-3">
          <span
            id={`${id}-count`}
            className={`text-xs tabular-nums ${left < 40 ? "text-amber-700" : "text-slate-500"}`}
          >
            {left} characters left
          </span>
          <button type="submit" className={button("primary", "sm")} disabled={!message || !live}>
            Send to everyone…
          </button>
        </div>
      </form>

      {sent.length > 0 ? (
        <ul className="mt-3 space-y-2" aria-label="Sent from this tab" data-testid="announcements-sent">
          {sent.map((s) => (
            <li key={s.at} className="flex gap-2 rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
              <CheckCircle2 className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
              <div className="min-w-0">
                <p className="break-words">{s.message}</p>
                <p className="text-xs text-emerald-800/80">
                  Sent {formatTime(s.at)} · in {formatCompact(s.recipients)}{" "}
                  {s.recipients === 1 ? "feed" : "feeds"}
                  {s.failed ? ` · ${formatCompact(s.failed)} could not be written` : ""}
                </p>
              </div>
            </li>
          ))}
        </ul>
      ) : null}

      <ConfirmDialog
        open={confirming}
        title="Send this announcement to everyone?"
        confirmLabel="Send now"
        busyLabel="Sending…"
        busy={busy}
        error={error}
        onCancel={() => setConfirming(false)}
        onConfirm={() => void send()}
      >
        <blockquote className="rounded-lg bg-slate-50 px-3 py-2 text-slate-800 ring-1 ring-slate-200">
          {message}
        </blockquote>
        <p>It cannot be taken back: it shows as a toast on every open tab and stays in every user’s feed.</p>
      </ConfirmDialog>
    </section>
  );
}
