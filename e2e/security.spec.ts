import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { instanceUrl, signIn } from "./helpers";

test.describe("browser protections", () => {
  test("session cookies are HttpOnly and SameSite", async ({ page, context }) => {
    await signIn(page, instanceUrl("a"), "alice");
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name.endsWith("next-auth.session-token"));
    expect(session).toBeDefined();
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax" });
    for (const c of cookies.filter((c) => c.name.includes("next-auth")))
      expect(c.httpOnly, c.name).toBe(true);
  });

  test("pages and API answers carry CSP with frame-ancestors, nosniff and no framing", async ({
    page,
    request,
  }) => {
    const res = await page.goto(`${instanceUrl("a")}/signin`);
    const headers = res!.headers();
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["content-security-policy"]).toContain("default-src 'self'");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["x-frame-options"]).toBe("DENY");
    const api = await request.get(`${instanceUrl("a")}/api/health`);
    expect(api.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(api.headers()["x-content-type-options"]).toBe("nosniff");
  });

  test("a page on another origin cannot open a socket with the user's cookie", async ({ page }) => {
    await signIn(page, instanceUrl("a"), "alice");
    // A page on another origin (another port) of the same site, so the browser sends the cookie. A plain server
    // of the test's serves it: our own pages' CSP (connect-src) would stop the socket before the server could.
    const elsewhere = createServer((_, res) => res.end("<!doctype html><title>elsewhere</title>"));
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    const host = new URL(instanceUrl("a")).hostname;
    await page.goto(`http://${host}:${(elsewhere.address() as AddressInfo).port}/`);
    const target = instanceUrl("a").replace(/^http/, "ws");
    const answer = await page.evaluate(async (url) => {
      return await new Promise<string>((resolve) => {
        const ws = new WebSocket(`${url}/socket.io/?EIO=4&transport=websocket`);
        ws.onmessage = (e) => {
          const data = String(e.data);
          if (data.startsWith("0")) ws.send("40");
          else if (data.startsWith("4")) {
            resolve(data);
            ws.close();
          }
        };
        ws.onerror = () => resolve("error");
        setTimeout(() => resolve("timeout"), 5_000);
      });
    }, target);
    expect(answer).toMatch(/^44/);
    expect(answer).toContain("FORBIDDEN");
    elsewhere.close();
    // The same socket from the app's own origin connects.
    await page.goto(`${instanceUrl("a")}/`);
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");
  });

  test("pages run scripts only with a per-response nonce, and still work", async ({ page, request }) => {
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const first = await request.get(`${instanceUrl("a")}/signin`);
    const second = await request.get(`${instanceUrl("a")}/signin`);
    const csp = first.headers()["content-security-policy"]!;
    const script = csp.split(";").find((d) => d.trim().startsWith("script-src"))!;
    expect(script).toMatch(/'nonce-[A-Za-z0-9+/=]{16,}'/);
    expect(script).not.toContain("'unsafe-inline'");
    expect(second.headers()["content-security-policy"]).not.toBe(csp);
    const nonce = /'nonce-([^']+)'/.exec(script)![1]!;
    const tags = (await first.text()).match(/<script\b[^>]*>/g) ?? [];
    expect(tags.length).toBeGreaterThan(0);
    for (const tag of tags) expect(tag).toContain(`nonce="${nonce}"`);
    // Hydrated, signed in and connected over the socket: nothing the app needs was blocked.
    await signIn(page, instanceUrl("a"), "alice");
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");
    expect(violations).toEqual([]);
  });
});
