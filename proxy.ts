import { NextResponse } from "next/server";
import { withAuth } from "next-auth/middleware";

/**
 * Pages need a session; /admin needs the admin role. The custom server's own endpoints (/api/*, /metrics,
 * /socket.io) authenticate themselves and never reach Next, so they are excluded here.
 */
export default withAuth(
  function proxy(req) {
    if (req.nextUrl.pathname.startsWith("/admin") && req.nextauth.token?.role !== "admin") {
      // A rewrite cannot carry a 403 status to an app-router page, so non-admins are sent to the explanation.
      return NextResponse.redirect(new URL("/forbidden", req.url));
    }
    return NextResponse.next();
  },
  {
    pages: { signIn: "/signin" },
    callbacks: { authorized: ({ token }) => token !== null },
  },
);

export const config = {
  matcher: [
    "/((?!api/|socket\\.io|metrics|_next/|signin|forbidden|favicon\\.ico|.*\\.(?:svg|png|ico|txt)$).*)",
  ],
};
