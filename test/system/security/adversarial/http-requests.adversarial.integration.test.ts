import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionCookieFor } from "@/server/testing/clients";
import { httpFrom } from "@/server/testing/http-from";
import { startInstance, type TestInstance } from "@/server/testing/instance";

/**
 * Requests a browser on another site can make with the user's cookie, and request targets no browser would send.
 * Every state-changing route is found from the router itself, so a route added later is covered without a line here.
 */
describe("HTTP requests from an adversary", () => {
  let server: TestInstance;
  let cookie: string;
  beforeAll(async () => {
    server = await startInstance({ seedDemoUsers: true });
    cookie = await sessionCookieFor("admin", "admin");
  });
  afterAll(() => server?.close());

  const concrete = (path: string) =>
    path
      .split("/")
      .map((s) => (s.startsWith(":") ? "x1" : s === "*" ? "signout" : s))
      .join("/");

  it("every cookie-authenticated state-changing route refuses another origin before doing anything", async () => {
    const routes = server.app.router.list().filter((r) => !["GET", "HEAD", "OPTIONS"].includes(r.method));
    expect(routes.map((r) => r.path)).toContain("/api/tasks/csv-import");
    const answers: string[] = [];
    for (const route of routes) {
      for (const headers of <Record<string, string>[]>[
        { origin: "https://evil.example" },
        { origin: "null" },
        { "sec-fetch-site": "cross-site" },
      ]) {
        const res = await fetch(`${server.url}${concrete(route.path)}?boardId=b1&widgetId=w1`, {
          method: route.method,
          headers: { cookie, "content-type": "text/csv", ...headers },
          body: "time,value\n1,1\n",
        });
        answers.push(`${route.method} ${route.path} ${JSON.stringify(headers)} -> ${res.status}`);
        expect(res.status, `${route.method} ${route.path} ${JSON.stringify(headers)}`).toBe(403);
        expect(await res.json()).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
      }
    }
    console.log(`[csrf] ${routes.length} state-changing routes, ${answers.length} forged requests, all 403`);
  });

  it("the app's own origin still gets through (csv-import reaches its validation)", async () => {
    const res = await fetch(`${server.url}/api/tasks/csv-import?boardId=nope&widgetId=w1`, {
      method: "POST",
      headers: { cookie, "content-type": "text/csv", origin: "http://localhost:3000" },
      body: "time,value\n1,1\n",
    });
    expect(res.status).toBe(404);
  });

  it("a malformed percent-escape is 400 with an error body, not 500", async () => {
    for (const target of [
      "/api/sessions/%E0%A4%A",
      "/api/sessions/%",
      "/api/admin/limits/users/%zz",
      "/api/auth/%c0",
      "/api/tasks/%ff%/download",
      // Not a route of ours: in production Next's page for boards/[boardId] would answer 500.
      "/boards/%E0%A4%A",
      "/%zz",
    ]) {
      const method = target.startsWith("/api/admin")
        ? "PUT"
        : target.startsWith("/api/sessions")
          ? "DELETE"
          : "GET";
      // Raw request: fetch would normalise the target.
      const res = await httpFrom(`${server.url}${target}`, {
        method,
        headers: { cookie, origin: "http://localhost:3000", "content-type": "application/json" },
        body: method === "PUT" ? JSON.stringify({ limit: 3 }) : undefined,
      });
      expect(res.status, `${method} ${target}`).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    }
  });

  it("HSTS is sent when the public URL is HTTPS, and not over plain HTTP", async () => {
    expect((await fetch(`${server.url}/api/health`)).headers.get("strict-transport-security")).toBeNull();
    const https = await startInstance({
      env: { NEXTAUTH_URL: "https://pulseboard.example", ALLOWED_ORIGINS: "https://pulseboard.example" },
    });
    try {
      const res = await fetch(`${https.url}/api/health`);
      expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
      expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self';/);
    } finally {
      await https.close();
    }
  });
});
