import type { Session } from "next-auth";

/**
 * Request headers through which `proxy.ts` hands the signed-in user, from the session cookie it has just verified,
 * to the root layout. The page then starts with its session instead of asking `/api/auth/session` once its
 * scripts run, and the tab's socket connects at once. The proxy removes them from whatever the browser sent.
 */
export const SESSION_HEADERS = {
  user: "x-pulseboard-session-user",
  role: "x-pulseboard-session-role",
  expires: "x-pulseboard-session-expires",
} as const;

const USER = /^[a-z0-9][a-z0-9_-]{1,31}$/;

/** The session the proxy handed over, or undefined (a public page, or headers that do not fit). */
export function sessionFromHeaders(get: (name: string) => string | null): Session | undefined {
  const user = get(SESSION_HEADERS.user);
  const role = get(SESSION_HEADERS.role);
  const expires = Number(get(SESSION_HEADERS.expires));
  if (!user || !USER.test(user) || (role !== "user" && role !== "admin") || !Number.isFinite(expires))
    return undefined;
  if (expires <= Date.now()) return undefined;
  return { user: { name: user, role }, expires: new Date(expires).toISOString() };
}
