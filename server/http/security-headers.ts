import type { ServerResponse } from "node:http";

export interface SecurityHeaderOptions {
  dev: boolean;
  /** Served over HTTPS (NEXTAUTH_URL is https://): browsers are told to stay on HTTPS. */
  https: boolean;
}

/** A year, as HSTS preload lists expect. */
const HSTS = "max-age=31536000; includeSubDomains";

/** The directives every response shares; `script-src` and `connect-src` are the caller's. */
function csp(scriptSrc: string, connectSrc: string): string {
  return [
    "default-src 'self'",
    `script-src ${scriptSrc}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connectSrc}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join("; ");
}

/**
 * Set by the custom server on every response, Next's pages included. Pages replace this CSP with a per-request
 * nonce one (`pageCsp`, set by proxy.ts); this one, for API answers, files and anything Next's proxy does not see,
 * runs no inline script at all.
 */
export function securityHeaders(opts: SecurityHeaderOptions): Record<string, string> {
  return {
    "Content-Security-Policy": csp(`'self'${opts.dev ? " 'unsafe-eval'" : ""}`, "'self'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    ...(opts.https ? { "Strict-Transport-Security": HSTS } : {}),
  };
}

/** `https://a.example` also allows `wss://a.example`, where its sockets are. */
function withSocketSchemes(origins: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of origins) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      continue;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") continue;
    out.push(url.origin, `${url.protocol === "https:" ? "wss" : "ws"}://${url.host}`);
  }
  return out;
}

/**
 * The CSP of a page: scripts only with this response's nonce (Next puts it on its own scripts, and
 * 'strict-dynamic' lets them load their chunks), connections only to this origin and `ALLOWED_ORIGINS`.
 */
export function pageCsp(opts: { nonce: string; dev: boolean; connectOrigins: readonly string[] }): string {
  const script = `'self' 'nonce-${opts.nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ""}`;
  // 'self' covers ws:/wss: to this host in CSP Level 3; the explicit pair also covers older browsers.
  return csp(script, ["'self'", ...new Set(withSocketSchemes(opts.connectOrigins))].join(" "));
}

/** ALLOWED_ORIGINS as proxy.ts reads it (the server has validated it at startup), else NEXTAUTH_URL's origin. */
export function connectOriginsFromEnv(env: Record<string, string | undefined>): string[] {
  const list = env.ALLOWED_ORIGINS?.trim() ? env.ALLOWED_ORIGINS : env.NEXTAUTH_URL;
  return (list ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export function applySecurityHeaders(res: ServerResponse, headers: Record<string, string>): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
}
