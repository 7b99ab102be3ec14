"use client";

import { Check, Copy, Loader2 } from "lucide-react";
import { useState } from "react";

const TTL_CHOICES = [
  { label: "1 hour", seconds: 3_600 },
  { label: "1 day", seconds: 86_400 },
  { label: "30 days", seconds: 30 * 86_400 },
];

interface Minted {
  token: string;
  expiresAt: number;
}

export function TokenPanel() {
  const [ttl, setTtl] = useState(3_600);
  const [busy, setBusy] = useState(false);
  const [minted, setMinted] = useState<Minted | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  async function create() {
    setBusy(true);
    setError(null);
    setCopied(false);
    try {
      const res = await fetch("/api/tokens", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ttlSeconds: ttl }),
      });
      const body = (await res.json()) as {
        ok: boolean;
        token?: string;
        expiresAt?: number;
        error?: { message: string };
      };
      if (!res.ok || !body.ok || !body.token)
        throw new Error(body.error?.message ?? `the server answered ${res.status}`);
      setMinted({ token: body.token, expiresAt: body.expiresAt ?? 0 });
    } catch (err) {
      setError(`Could not create a token: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  async function copy() {
    if (!minted) return;
    await navigator.clipboard.writeText(minted.token);
    setCopied(true);
  }

  return (
    <div className="max-w-3xl space-y-6">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900">API tokens</h1>
        <p className="mt-1 text-sm text-slate-600">
          A token acts as you, with your role, until it expires. Use it with socket.io-client (
          <code>auth: {"{ token }"}</code>) or as <code>Authorization: Bearer</code> on the HTTP API. It is
          shown once; keep it somewhere safe.
        </p>
      </div>
      <section className="rounded-2xl bg-white p-5 shadow-sm ring-1 ring-slate-200">
        <fieldset>
          <legend className="text-sm font-medium text-slate-800">Expires after</legend>
          <div className="mt-2 flex flex-wrap gap-2">
            {TTL_CHOICES.map((c) => (
              <label
                key={c.seconds}
                className="flex cursor-pointer items-center gap-2 rounded-lg px-3 py-1.5 text-sm ring-1 ring-slate-200 has-[:checked]:bg-indigo-50 has-[:checked]:ring-indigo-300"
              >
                <input
                  type="radio"
                  name="ttl"
                  value={c.seconds}
                  checked={ttl === c.seconds}
                  onChange={() => setTtl(c.seconds)}
                  className="accent-indigo-600"
                />
                {c.label}
              </label>
            ))}
          </div>
        </fieldset>
        <button
          type="button"
          onClick={() => void create()}
          disabled={busy}
          className="mt-4 inline-flex items-center gap-2 rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700 disabled:opacity-60"
        >
          {busy ? <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> : null}
          Create token
        </button>
        {error ? (
          <p role="alert" className="mt-3 text-sm text-rose-700">
            {error}
          </p>
        ) : null}
        {minted ? (
          <div className="mt-4 space-y-2" aria-live="polite">
            <p className="text-sm text-slate-700">
              Expires {new Date(minted.expiresAt).toLocaleString()}. Copy it now; it will not be shown again.
            </p>
            <div className="flex items-stretch gap-2">
              <code
                data-testid="api-token"
                className="block min-w-0 flex-1 overflow-x-auto whitespace-nowrap rounded-lg bg-slate-900 px-3 py-2 text-xs text-slate-100"
              >
                {minted.token}
              </code>
              <button
                type="button"
                onClick={() => void copy()}
                className="inline-flex items-center gap-1 rounded-lg px-3 text-sm ring-1 ring-slate-300 hover:bg-slate-50"
                aria-label="Copy token"
              >
                {copied ? (
                  <Check className="h-4 w-4 text-emerald-600" aria-hidden />
                ) : (
                  <Copy className="h-4 w-4" aria-hidden />
                )}
                {copied ? "Copied" : "Copy"}
              </button>
            </div>
          </div>
        ) : null}
      </section>
    </div>
  );
}
