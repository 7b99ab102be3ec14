import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { withAuth, type NextRequestWithAuth } from "next-auth/middleware";
import { SESSION_HEADERS } from "./lib/session-headers";
import { connectOriginsFromEnv, pageCsp } from "./server/http/security-headers";

/** Pages anyone may open; every other page needs a session. */
const PUBLIC_PAGES = /^\/(signin|forbidden)(\/|$)/;

/**
 * Every page gets a fresh nonce and a CSP that runs only scripts carrying it. Next reads the nonce from the
 * request's CSP header and puts it on its own scripts; the root layout reads headers, so pages render per request.
 */
function withNonce(
  req: NextRequest,
  response?: NextResponse,
  session?: { user: string; role: string; expires: number },
): NextResponse {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = pageCsp({
    nonce,
    dev: process.env.NODE_ENV === "development",
    connectOrigins: connectOriginsFromEnv(process.env),
  });
  const headers = new Headers(req.headers);
  headers.set("x-nonce", nonce);
  headers.set("Content-Security-Policy", csp);
  for (const name of Object.values(SESSION_HEADERS)) headers.delete(name);
  if (session) {
    headers.set(SESSION_HEADERS.user, session.user);
    headers.set(SESSION_HEADERS.role, session.role);
    headers.set(SESSION_HEADERS.expires, String(session.expires));
  }
  const res = response ?? NextResponse.next({ request: { headers } });
  res.headers.set("Content-Security-Policy", csp);
  return res;
}

/** Pages need a session; /admin needs the admin role. */
const authenticated = withAuth(
  function authorizedPage(req) {
    if (req.nextUrl.pathname.startsWith("/admin") && req.nextauth.token?.role !== "admin") {
      // A rewrite cannot carry a 403 status to an app-router page, so non-admins are sent to the explanation.
      return NextResponse.redirect(new URL("/forbidden", req.url));
    }
    const token = req.nextauth.token;
    const session =
      token?.sub && typeof token.exp === "number"
        ? { user: token.sub, role: token.role === "admin" ? "admin" : "user", expires: token.exp * 1000 }
        : undefined;
    return withNonce(req, undefined, session);
  },
  {
    pages: { signIn: "/signin" },
    callbacks: { authorized: ({ token }) => token !== null },
  },
);

/**
 * The custom server's own endpoints (/api/*, /metrics, /socket.io) authenticate themselves and never reach Next,
 * so they are excluded here, as are Next's static files.
 */
export default function proxy(req: NextRequest, event: NextFetchEvent) {
  if (PUBLIC_PAGES.test(req.nextUrl.pathname)) return withNonce(req);
  return authenticated(req as NextRequestWithAuth, event);
}

export const config = {
  matcher: ["/((?!api/|socket\\.io|metrics|_next/|favicon\\.ico|.*\\.(?:svg|png|ico|txt)$).*)"],
};
