"use client";

import { Check, Copy, Loader2, Trash2 } from "lucide-react";
import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { CreateTokenResponse, TokenSummary, TokensResponse } from "@/lib/protocol/tokens";
import { ErrorNote } from "@/components/ui/ErrorNote";
import { actionsColumn, DataTable } from "@/components/ui/DataTable";
import { button, card, field } from "@/components/ui/styles";
import { formatDateTime } from "@/lib/format";

const DAY = 86_400;
const TTL_CHOICES = [
  { label: "1 hour", seconds: 3_600 },
  { label: "1 day", seconds: DAY },
  { label: "30 days", seconds: 30 * DAY },
  { label: "90 days", seconds: 90 * DAY },
];

interface Minted {
  token: string;
  name: string;
  expiresAt: number;
}

type ApiError = { ok: false; error?: { message: string } };

async function api<T>(input: string, init?: RequestInit): Promise<T> {
  const res = await fetch(input, init);
  const body = (await res.json().catch(() => ({}))) as T | ApiError;
  if (!res.ok || !(body as { ok?: boolean }).ok)
    throw new Error((body as ApiError).error?.message ?? `the server answered ${res.status}`);
  return body as T;
}

const when = (ms: number | null) => (ms === null ? "Never" : formatDateTime(ms));

export function TokenPanel() {
  const [name, setName] = useState("");
  const [ttl, setTtl] = useState(3_600);
  const [busy, setBusy] = useState(false);
  const [minted, setMinted] = useState<Minted | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [tokens, setTokens] = useState<TokenSummary[] | null>(null);
  const [maxTtl, setMaxTtl] = useState(90 * DAY);
  const [revoking, setRevoking] = useState<string | null>(null);

  const apply = useCallback((body: TokensResponse) => {
    setTokens(body.tokens);
    setMaxTtl(body.maxTtlSeconds);
  }, []);
  const load = useCallback(
    () =>
      api<TokensResponse>("/api/tokens")
        .then(apply)
        .catch((err: unknown) => setError(`Could not list your tokens: ${(err as Error).message}`)),
    [apply],
  );

  useEffect(() => {
    api<TokensResponse>("/api/tokens")
      .then(apply)
      .catch((err: unknown) => setError(`Could not list your tokens: ${(err as Error).message}`));
  }, [apply]);

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setCopied(false);
    try {
      const body = await api<CreateTokenResponse>("/api/tokens", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: name.trim() || "token", ttlSeconds: ttl }),
      });
      setMinted({ token: body.token, name: body.record.name, expiresAt: body.expiresAt });
      setName("");
      await load();
    } catch (err) {
      setError(`Could not create a token: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(token: TokenSummary) {
    setRevoking(token.id);
    setError(null);
    try {
      await api(`/api/tokens/${encodeURIComponent(token.id)}`, { method: "DELETE" });
      await load();
    } catch (err) {
      setError(`Could not revoke “${token.name}”: ${(err as Error).message}`);
    } finally {
      setRevoking(null);
    }
  }

  async function copy() {
    if (!minted) return;
    await navigator.clipboard.writeText(minted.token);
    setCopied(true);
  }

  return (
    <div className="max-w-4xl space-y-6">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900">API tokens</h1>
        <p className="mt-1 text-sm text-slate-600">
          A token acts as you, with the role you have at each use, until it expires or you revoke it. Use it
          with socket.io-client (<code>auth: {"{ token }"}</code>) or as <code>Authorization: Bearer</code> on
          the HTTP API. It is shown once; keep it somewhere safe. Changing your password or role revokes all
          of them.
        </p>
      </div>
      <form onSubmit={(e) => void create(e)} className={`${card} p-5`}>
        <label htmlFor="token-name" className="text-sm font-medium text-slate-800">
          Name
        </label>
        <input
          id="token-name"
          value={name}
          maxLength={64}
          placeholder="e.g. grafana, nightly export"
          onChange={(e) => setName(e.target.value)}
          className={`${field} mt-1 block w-full max-w-sm`}
        />
        <fieldset className="mt-4">
          <legend className="text-sm font-medium text-slate-800">Expires after</legend>
          <div className="mt-2 flex flex-wrap gap-2">
            {TTL_CHOICES.filter((c) => c.seconds <= maxTtl).map((c) => (
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
        <button type="submit" disabled={busy} className={`${button("primary")} mt-4`}>
          {busy ? <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> : null}
          Create token
        </button>
        {minted ? (
          <div className="mt-4 space-y-2" aria-live="polite">
            <p className="text-sm text-slate-700">
              “{minted.name}” expires {formatDateTime(minted.expiresAt)}. Copy it now; it will not be shown
              again.
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
                className={button("secondary")}
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
      </form>
      <ErrorNote look="text">{error}</ErrorNote>
      <section aria-labelledby="tokens-title" className={card}>
        <h2 id="tokens-title" className="px-4 pt-4 text-base font-semibold text-slate-900">
          Your tokens
        </h2>
        <div className="mt-2 overflow-x-auto">
          <DataTable<TokenSummary>
            rows={tokens}
            rowKey={(t) => t.id}
            rowProps={() => ({ "data-testid": "token-row" })}
            empty="You have no API tokens."
            columns={[
              {
                header: "Name",
                className: "max-w-56 truncate font-medium text-slate-900",
                cellProps: (t) => ({ title: t.name }),
                cell: (t) => t.name,
              },
              { header: "Created", className: "text-slate-700", cell: (t) => when(t.createdAt) },
              { header: "Last used", className: "text-slate-700", cell: (t) => when(t.lastUsedAt) },
              { header: "Expires", className: "text-slate-700", cell: (t) => when(t.expiresAt) },
              actionsColumn((t) => (
                <button
                  type="button"
                  onClick={() => void revoke(t)}
                  disabled={revoking === t.id}
                  aria-label={`Revoke token ${t.name}`}
                  className={button("dangerOutline", "xs")}
                >
                  {revoking === t.id ? (
                    <Loader2 className="h-4 w-4 animate-spin" aria-hidden />
                  ) : (
                    <Trash2 className="h-4 w-4" aria-hidden />
                  )}
                  Revoke
                </button>
              )),
            ]}
          />
        </div>
      </section>
    </div>
  );
}
