"use client";

import { Loader2, LogIn } from "lucide-react";
import { useRouter, useSearchParams } from "next/navigation";
import { signIn } from "next-auth/react";
import { useEffect, useState, type FormEvent } from "react";
import { ErrorNote } from "@/components/ui/ErrorNote";
import { btn } from "@/components/ui/styles";
import { Logo } from "../shell/Logo";

interface Meta {
  mode: "embedded" | "redis";
  /** The password is published only outside production; in production the README says it. */
  demo: { users: { name: string; role: string }[]; password: string | null } | null;
  /** No user exists yet: the operator creates the first admin from the command line. */
  noUsers?: boolean;
  /** Absent from older servers: passwords only. */
  signIn?: { passwords: boolean; oidc: { id: string; name: string } | null };
}

/** The `error` next-auth (or our SSO sign-in) puts on the sign-in page's URL, in words. */
const SIGN_IN_ERRORS: ReadonlyMap<string, string> = new Map([
  [
    "OAuthSignin",
    "The sign-in provider could not be reached. Try again later, or ask your administrator to check the single sign-on settings.",
  ],
  [
    "OAuthCallback",
    "The sign-in provider's answer could not be used. Try again; if it keeps happening, ask your administrator to check the single sign-on settings.",
  ],
  [
    "OidcUserName",
    "Your account at the sign-in provider has no name Pulseboard can use (2-32 lowercase letters, digits, _ or -). Ask your administrator.",
  ],
  ["OidcNameTaken", "That user name belongs to another Pulseboard account. Ask your administrator."],
  [
    "OidcNotAllowed",
    "Your account at the sign-in provider is not in a group allowed to use Pulseboard. Ask your administrator for access.",
  ],
  ["OidcUnavailable", "Sign-in is unavailable right now. Try again in a moment."],
  ["AccessDenied", "You may not sign in here. Ask your administrator."],
  ["CredentialsSignin", "That user name and password do not match."],
]);

function signInErrorMessage(code: string | null): string | null {
  if (!code) return null;
  return SIGN_IN_ERRORS.get(code) ?? "Sign-in failed. Try again.";
}

/** Only same-origin paths may be a post-sign-in destination, so a crafted link cannot bounce users elsewhere. */
function safeCallback(raw: string | null): string {
  if (!raw) return "/";
  try {
    const url = new URL(raw, window.location.origin);
    return url.origin === window.location.origin ? url.pathname + url.search + url.hash : "/";
  } catch {
    return "/";
  }
}

/** The server refuses a throttled attempt with `RATE_LIMITED:<seconds>` (see server/auth/throttle.ts). */
function throttledMessage(error: string): string | null {
  const m = /^RATE_LIMITED:(\d{1,7})$/.exec(error);
  if (!m) return null;
  const s = Number(m[1]);
  const wait = s < 120 ? `${s} s` : `${Math.ceil(s / 60)} min`;
  return `Too many attempts. Try again in ${wait}.`;
}

export function SignInForm() {
  const router = useRouter();
  const params = useSearchParams();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // undefined while loading: the form waits, so that it does not flash where passwords are turned off.
  const [meta, setMeta] = useState<Meta | null | undefined>(undefined);
  const reason = params.get("reason");
  const providerError = signInErrorMessage(params.get("error"));
  const passwords = meta === null || (meta !== undefined && (meta.signIn?.passwords ?? true));
  const oidc = meta?.signIn?.oidc ?? null;

  useEffect(() => {
    fetch("/api/meta")
      .then((r) => (r.ok ? (r.json() as Promise<Meta>) : null))
      .then(setMeta)
      .catch(() => setMeta(null));
  }, []);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await signIn("credentials", { username, password, redirect: false });
      if (result?.ok && !result.error) {
        router.replace(safeCallback(params.get("callbackUrl")));
        router.refresh();
        return;
      }
      setError(throttledMessage(result?.error ?? "") ?? "That user name and password do not match.");
    } catch {
      setError("Could not reach the server. Check your connection and try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="w-full max-w-sm">
      <div className="mb-8 text-center">
        <Logo className="text-2xl text-slate-900" />
        <p className="mt-2 text-sm text-slate-600">Real-time dashboards for your team</p>
      </div>
      <div className="space-y-4 rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
        <h1 className="text-lg font-semibold text-slate-900">Sign in</h1>
        {reason === "expired" ? (
          <p className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200">
            Your session ended. Sign in again to continue.
          </p>
        ) : null}
        <ErrorNote>{providerError}</ErrorNote>
        {oidc ? (
          <button
            type="button"
            onClick={() => {
              setBusy(true);
              void signIn(oidc.id, { callbackUrl: safeCallback(params.get("callbackUrl")) });
            }}
            disabled={busy}
            className={`${passwords ? btn.secondary : btn.primary} w-full`}
          >
            <LogIn className="h-4 w-4" aria-hidden />
            Sign in with {oidc.name}
          </button>
        ) : null}
        {oidc && passwords ? (
          <p className="flex items-center gap-3 text-xs text-slate-500" aria-hidden>
            <span className="h-px flex-1 bg-slate-200" />
            or with a password
            <span className="h-px flex-1 bg-slate-200" />
          </p>
        ) : null}
        {passwords ? (
          <form onSubmit={(e) => void onSubmit(e)} className="space-y-4" noValidate>
            <div>
              <label htmlFor="username" className="block text-sm font-medium text-slate-700">
                User name
              </label>
              <input
                id="username"
                name="username"
                autoComplete="username"
                autoCapitalize="none"
                required
                value={username}
                onChange={(e) => setUsername(e.target.value)}
                className="mt-1 block w-full rounded-lg border-0 px-3 py-2 text-slate-900 ring-1 ring-slate-300 focus:ring-2 focus:ring-indigo-500 focus:outline-none"
              />
            </div>
            <div>
              <label htmlFor="password" className="block text-sm font-medium text-slate-700">
                Password
              </label>
              <input
                id="password"
                name="password"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                className="mt-1 block w-full rounded-lg border-0 px-3 py-2 text-slate-900 ring-1 ring-slate-300 focus:ring-2 focus:ring-indigo-500 focus:outline-none"
              />
            </div>
            <ErrorNote>{error}</ErrorNote>
            <button
              type="submit"
              disabled={busy || !username || !password}
              className={`${btn.primary} w-full`}
            >
              {busy ? <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> : null}
              {busy ? "Signing in…" : "Sign in"}
            </button>
          </form>
        ) : null}
      </div>
      {meta?.noUsers && !meta.demo && !oidc ? (
        <section
          aria-labelledby="setup-title"
          className="mt-6 rounded-2xl bg-amber-50 p-4 text-sm text-amber-900 ring-1 ring-amber-200"
        >
          <h2 id="setup-title" className="font-medium">
            No accounts yet
          </h2>
          <p className="mt-1">
            Create the first admin on the server:{" "}
            <code className="rounded bg-white px-1 py-0.5">npm run users -- add &lt;name&gt; --admin</code>
          </p>
        </section>
      ) : null}
      {meta?.demo && passwords ? (
        <section
          aria-labelledby="demo-title"
          className="mt-6 rounded-2xl bg-white/70 p-4 text-sm ring-1 ring-slate-200"
        >
          <h2 id="demo-title" className="font-medium text-slate-800">
            Demo users
          </h2>
          {meta.demo.password ? (
            <p className="mt-1 text-slate-600">
              Every demo user&apos;s password is{" "}
              <code className="rounded bg-slate-100 px-1 py-0.5">{meta.demo.password}</code>. Pick one to fill
              the form.
            </p>
          ) : (
            <p className="mt-1 text-slate-600">
              Their password is the one in the README&apos;s demo section. Pick one to fill the name.
            </p>
          )}
          <ul className="mt-3 flex flex-wrap gap-2">
            {meta.demo.users.map((u) => (
              <li key={u.name}>
                <button
                  type="button"
                  onClick={() => {
                    setUsername(u.name);
                    if (meta.demo?.password) setPassword(meta.demo.password);
                  }}
                  className="rounded-full bg-slate-100 px-3 py-1 text-slate-800 ring-1 ring-slate-200 hover:bg-indigo-50 hover:ring-indigo-200"
                >
                  {u.name}
                  <span className="ml-1 text-xs text-slate-600">{u.role}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
