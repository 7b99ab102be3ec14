import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, test, type Locator, type Page } from "@playwright/test";
import type { AuditResponse } from "@/lib/protocol/audit";
import { OIDC_ADMIN_GROUP, OIDC_NAME, startOidcStack, type OidcStack } from "./fixtures/oidc";
import { LOG_DIR } from "./fixtures/stack";
import { createBoard, expectConnected, signIn } from "./helpers";

/**
 * Single sign-on against a real OpenID Connect provider (`oidc-provider`, started here on a free port) and
 * Pulseboard instances of the production build configured for it. Two accounts at the provider: ada, in the
 * admin group, and grace, not.
 */
test.describe("OpenID Connect sign-in", () => {
  test.describe.configure({ mode: "serial" });
  let stack: OidcStack;

  test.beforeAll(async () => {
    stack = await startOidcStack();
    stack.provider.accounts.set("ada-sub", { preferredUsername: "Ada.Lovelace", groups: [OIDC_ADMIN_GROUP] });
    stack.provider.accounts.set("grace-sub", { preferredUsername: "grace", groups: ["engineering"] });
  });
  test.afterAll(async () => {
    await stack?.stop();
  });

  /** From Pulseboard's sign-in page through the provider's login and consent, back to the home page. */
  /**
   * Clicks the provider's button and goes through its login (as `sub`) and consent as far as they are asked: the
   * provider asks for consent once per client and scopes, and remembers its own session, so a later sign-in in the
   * same browser may go straight back. Stops once `back` (a locator on Pulseboard's side) is visible.
   */
  async function throughProvider(page: Page, base: string, sub: string, back: Locator) {
    await page.goto(`${base}/signin`);
    await page.getByRole("button", { name: `Sign in with ${OIDC_NAME}` }).click();
    const login = page.locator('input[name="login"]');
    const consent = page.getByRole("button", { name: "Continue" });
    await expect(login.or(consent).or(back)).toBeVisible();
    if (await login.isVisible()) {
      await login.fill(sub);
      await page.locator('input[name="password"]').fill("any password");
      await page.getByRole("button", { name: "Sign-in" }).click();
      await expect(consent.or(back)).toBeVisible();
    }
    if (await consent.isVisible()) await consent.click();
    await expect(back).toBeVisible();
  }

  /** From Pulseboard's sign-in page through the provider, back to the home page as `expectedName`. */
  async function ssoSignIn(page: Page, base: string, sub: string, expectedName: string) {
    const home = page.getByTestId("user-name");
    await throughProvider(page, base, sub, home);
    await expect(page).toHaveURL(`${base}/`);
    await expect(home).toHaveText(expectedName);
  }

  /** How many lines of an instance's log mention `text`. */
  const linesOf = async (instanceId: string, text: string) =>
    (await readFile(join(LOG_DIR, `${instanceId}.log`), "utf8")).split("\n").filter((l) => l.includes(text))
      .length;

  async function signOut(page: Page, name: string) {
    await page.getByRole("button", { name: new RegExp(name) }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/signin/);
  }

  test("a user signs in through the provider, opens a board and sees who else is on it", async ({
    browser,
  }) => {
    const base = stack.both.url;
    const contexts = [await browser.newContext(), await browser.newContext()] as const;
    try {
      const [ada, grace] = await Promise.all(contexts.map((c) => c.newPage()));
      // The name claim is normalised to the user name rules: "Ada.Lovelace" becomes "ada-lovelace".
      await ssoSignIn(ada!, base, "ada-sub", "ada-lovelace");
      await expectConnected(ada!);
      await ssoSignIn(grace!, base, "grace-sub", "grace");
      await expectConnected(grace!);

      const path = await createBoard(ada!, "SSO board");
      await ada!.getByRole("button", { name: "Share" }).click();
      const share = ada!.getByRole("dialog", { name: /Share/ });
      await share.getByPlaceholder("User name").fill("grace");
      await share.getByRole("button", { name: "Share" }).click();
      await expect(share.getByTestId("member-grace")).toBeVisible();
      await ada!.keyboard.press("Escape");

      await grace!.goto(`${base}${path}`);
      await expect(grace!.getByTestId("board-title")).toHaveText("SSO board");
      await expect(ada!.getByTestId("presence-grace")).toBeVisible();
      await expect(grace!.getByTestId("presence-ada-lovelace")).toBeVisible();

      // Sign-out ends the local session.
      await signOut(grace!, "grace");
      await grace!.goto(`${base}/`);
      await expect(grace!).toHaveURL(/\/signin\?callbackUrl=/);
    } finally {
      await Promise.all(contexts.map((c) => c.close()));
    }
  });

  test("the admin group's member sees the admin panel and the audit log; the other user gets 403", async ({
    browser,
  }, info) => {
    const base = stack.both.url;
    const contexts = [await browser.newContext(), await browser.newContext()] as const;
    try {
      const [ada, grace] = await Promise.all(contexts.map((c) => c.newPage()));
      await ssoSignIn(ada!, base, "ada-sub", "ada-lovelace");
      await ada!.goto(`${base}/admin`);
      await expect(ada!.getByTestId("admin-feed-status")).toHaveAttribute("data-status", "live");
      await ada!.getByRole("tab", { name: "Audit" }).click();
      const audit = ada!.getByRole("tabpanel", { name: "Audit" });
      const table = audit.getByTestId("audit-table");
      // The sign-ins through the provider are on the record, with their method.
      await expect(table.locator('[data-action="signin"]').first()).toBeVisible();
      await audit.getByLabel("Action", { exact: true }).selectOption("signin");
      await audit.getByLabel("User", { exact: true }).fill("grace");
      await audit.getByRole("button", { name: "Apply" }).click();
      await expect(table.locator("tbody tr").first()).toContainText("grace");
      await expect(table.locator("tbody tr").first()).toContainText("oidc");
      await ada!.screenshot({ path: info.outputPath("admin-audit-tab.png"), fullPage: true });
      const asAdmin = await ada!.request.get(`${base}/api/admin/audit?action=signin&user=ada-lovelace`);
      expect(asAdmin.status()).toBe(200);
      const body = (await asAdmin.json()) as AuditResponse;
      expect(body.entries[0]).toMatchObject({ actor: "ada-lovelace", method: "oidc", outcome: "success" });

      await ssoSignIn(grace!, base, "grace-sub", "grace");
      await grace!.goto(`${base}/admin`);
      await expect(grace!).toHaveURL(`${base}/forbidden`);
      expect((await grace!.request.get(`${base}/api/admin/audit`)).status()).toBe(403);
      expect((await grace!.request.get(`${base}/api/admin/limits`)).status()).toBe(403);
    } finally {
      await Promise.all(contexts.map((c) => c.close()));
    }
  });

  test("removed from the admin group at the provider, the user is a plain user from the next sign-in", async ({
    page,
  }) => {
    const base = stack.both.url;
    await ssoSignIn(page, base, "ada-sub", "ada-lovelace");
    expect((await page.request.get(`${base}/api/admin/audit`)).status()).toBe(200);
    stack.provider.accounts.set("ada-sub", { preferredUsername: "Ada.Lovelace", groups: ["engineering"] });
    await signOut(page, "ada-lovelace");
    await ssoSignIn(page, base, "ada-sub", "ada-lovelace");
    await page.goto(`${base}/admin`);
    await expect(page).toHaveURL(`${base}/forbidden`);
    expect((await page.request.get(`${base}/api/admin/audit`)).status()).toBe(403);
    // And back: the role follows the group at every sign-in.
    stack.provider.accounts.set("ada-sub", { preferredUsername: "Ada.Lovelace", groups: [OIDC_ADMIN_GROUP] });
  });

  test("with AUTH_PASSWORDS=false the password form is gone and a credentials POST is refused", async ({
    page,
  }, info) => {
    const base = stack.ssoOnly.url;
    await page.goto(`${base}/signin`);
    await expect(page.getByRole("button", { name: `Sign in with ${OIDC_NAME}` })).toBeVisible();
    await expect(page.getByLabel("Password")).toHaveCount(0);
    await expect(page.getByLabel("User name")).toHaveCount(0);
    await page.screenshot({ path: info.outputPath("signin-sso-only.png"), fullPage: true });

    const csrf = await page.request.get(`${base}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const post = await page.request.post(`${base}/api/auth/callback/credentials`, {
      form: { username: "admin", password: "pulseboard", csrfToken, json: "true" },
      maxRedirects: 0,
    });
    expect(post.headers()["set-cookie"] ?? "").not.toContain("next-auth.session-token");
    const session = await page.request.get(`${base}/api/auth/session`);
    expect(await session.json()).toEqual({});

    // Single sign-on works there, and an SSO user's session mints API tokens as a password user's does.
    await ssoSignIn(page, base, "grace-sub", "grace");
    const minted = await page.request.post(`${base}/api/tokens`, {
      data: { name: "ci", ttlSeconds: 600 },
      headers: { origin: base },
    });
    expect(minted.status()).toBe(201);
    const { token } = (await minted.json()) as { token: string };
    const listed = await page.request.get(`${base}/api/tokens`, {
      headers: { authorization: `Bearer ${token}`, cookie: "" },
    });
    expect(await listed.json()).toMatchObject({ ok: true, tokens: [{ name: "ci", owner: "grace" }] });
  });

  test("the sign-in page shows both ways in when passwords are on", async ({ page }, info) => {
    await page.goto(`${stack.both.url}/signin`);
    await expect(page.getByRole("button", { name: `Sign in with ${OIDC_NAME}` })).toBeVisible();
    await expect(page.getByLabel("Password")).toBeVisible();
    await page.screenshot({ path: info.outputPath("signin-with-provider.png"), fullPage: true });
  });

  test("an unreachable issuer gives a readable message on the sign-in page, and the rest keeps working", async ({
    page,
  }) => {
    const base = stack.unreachable.url;
    await page.goto(`${base}/signin`);
    await page.getByRole("button", { name: `Sign in with ${OIDC_NAME}` }).click();
    await expect(page).toHaveURL(/\/signin\?(.*&)?error=OAuthSignin/);
    await expect(page.getByRole("alert").filter({ hasText: /./ }).first()).toHaveText(
      /The sign-in provider could not be reached/,
    );
    // One line in the server's log says what went wrong.
    await expect.poll(() => linesOf("oidc-dead", "SIGNIN_OAUTH_ERROR")).toBe(1);
    expect((await page.request.get(`${base}/api/health`)).status()).toBe(200);
  });

  test("a wrong client secret gives a readable message, a failed sign-in in the audit log, and passwords still work", async ({
    page,
  }) => {
    const base = stack.wrongSecret.url;
    const back = page.getByRole("alert").filter({ hasText: /./ }).first();
    await throughProvider(page, base, "grace-sub", back);
    await expect(page).toHaveURL(/\/signin\?(.*&)?error=OAuthCallback/);
    await expect(back).toHaveText(/The sign-in provider's answer could not be used/);
    await expect.poll(() => linesOf("oidc-wrong", "OAUTH_CALLBACK_ERROR")).toBe(1);

    await signIn(page, base, "admin");
    const res = await page.request.get(`${base}/api/admin/audit?action=signin`);
    const { entries } = (await res.json()) as AuditResponse;
    expect(entries.map((e) => [e.method, e.outcome])).toEqual([
      ["password", "success"],
      ["oidc", "failure"],
    ]);
  });
});
