import { NextRequest, type NextFetchEvent } from "next/server";
import { describe, expect, it } from "vitest";
import proxy from "../../proxy";
import { SESSION_HEADERS } from "@/lib/session-headers";

/** The headers the proxy passes on to the page it lets through (Next encodes them on the response). */
function forwarded(res: Response, name: string): string | null {
  return res.headers.get(`x-middleware-request-${name}`);
}

describe("proxy: the session handed to the page", () => {
  it("never passes on session headers a browser sent to a public page", async () => {
    const req = new NextRequest("http://localhost:3000/signin", {
      headers: {
        [SESSION_HEADERS.user]: "admin",
        [SESSION_HEADERS.role]: "admin",
        [SESSION_HEADERS.expires]: String(Date.now() + 3_600_000),
      },
    });
    const res = (await proxy(req, {} as NextFetchEvent)) as Response;
    expect(res.headers.get("content-security-policy")).toBeTruthy();
    for (const name of Object.values(SESSION_HEADERS)) expect(forwarded(res, name)).toBeNull();
  });

  it("sends a page without a session cookie to sign in, whatever session headers it carries", async () => {
    const req = new NextRequest("http://localhost:3000/boards/b1", {
      headers: { [SESSION_HEADERS.user]: "admin", [SESSION_HEADERS.role]: "admin" },
    });
    process.env.NEXTAUTH_SECRET ??= "test-secret-test-secret-test-secret";
    const res = (await proxy(req, {} as NextFetchEvent)) as Response;
    expect(res.status).toBe(307);
    expect(res.headers.get("location")).toContain("/signin");
  });
});
