import { expect, test } from "@playwright/test";
import { expectConnected, instanceUrl, signIn } from "./helpers";

test.describe("sign-in (embedded mode)", () => {
  const base = () => instanceUrl("embedded");

  test("an anonymous visitor is sent to sign-in, and back after signing in", async ({ page }) => {
    await page.goto(`${base()}/tokens`);
    await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
    await page.getByLabel("User name").fill("alice");
    await page.getByLabel("Password").fill("pulseboard");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(`${base()}/tokens`);
  });

  test("the sign-in page lists the demo users and refuses a wrong password", async ({ page }) => {
    await page.goto(`${base()}/signin`);
    await expect(page.getByRole("heading", { name: "Demo users" })).toBeVisible();
    for (const name of ["alice", "bob", "admin"])
      await expect(page.getByRole("button", { name: new RegExp(`^${name}`) })).toBeVisible();
    await page.getByLabel("User name").fill("alice");
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByRole("alert").filter({ hasText: /./ })).toHaveText(
      "That user name and password do not match.",
    );
  });

  test("after too many wrong passwords the sign-in page says how long to wait", async ({ page }, info) => {
    await page.goto(`${base()}/signin`);
    const alert = page.getByRole("alert").filter({ hasText: /./ });
    // SIGNIN_MAX_CONSECUTIVE_FAILS is 10: ten checked refusals, then the throttle answers without checking.
    await page.getByLabel("User name").fill("e2e-throttled");
    for (let i = 0; i < 10; i++) {
      await page.getByLabel("Password").fill(`wrong ${i}`);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await expect(alert).toHaveText("That user name and password do not match.");
      await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeEnabled();
    }
    await page.getByLabel("Password").fill("wrong again");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(alert).toHaveText(/^Too many attempts\. Try again in \d+ (s|min)\.$/);
    await page.screenshot({ path: info.outputPath("signin-throttled.png") });
  });

  test("a user signs in, sees connected, signs out, and is anonymous again", async ({ page }) => {
    await signIn(page, base(), "bob");
    await expectConnected(page);
    await expect(page.getByTestId("conn-instance")).toHaveText("embedded");
    await page.getByRole("button", { name: /bob/ }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/signin/);
    await page.goto(`${base()}/`);
    await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
  });

  test("a signed-in user creates an API token that connects and expires in an hour", async ({ page }) => {
    await signIn(page, base(), "alice");
    await page.goto(`${base()}/tokens`);
    await page.getByLabel("Name").fill("e2e script");
    await page.getByRole("button", { name: "Create token" }).click();
    const token = (await page.getByTestId("api-token").textContent()) ?? "";
    expect(token.split(".")).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as {
      sub: string;
      exp: number;
      iat: number;
    };
    expect(claims.sub).toBe("alice");
    expect(claims.exp - claims.iat).toBe(3600);
    // Listed with its name and dates; revoked from the list, after which it no longer authenticates.
    const row = page.getByTestId("token-row").filter({ hasText: "e2e script" });
    await expect(row).toHaveCount(1);
    await expect(row.getByRole("cell").nth(2)).toHaveText("Never");
    const used = await fetch(`${base()}/api/sessions`, { headers: { authorization: `Bearer ${token}` } });
    expect(used.status).toBe(200);
    await page.reload();
    await expect(row.getByRole("cell").nth(2)).not.toHaveText("Never");
    await page.screenshot({ path: "e2e/.artifacts/tokens-page.png", fullPage: true });
    await row.getByRole("button", { name: "Revoke token e2e script" }).click();
    await expect(row).toHaveCount(0);
    const revoked = await fetch(`${base()}/api/sessions`, { headers: { authorization: `Bearer ${token}` } });
    expect(revoked.status).toBe(401);
  });

  test("a non-admin cannot open /admin", async ({ page }) => {
    await signIn(page, base(), "alice");
    await page.goto(`${base()}/admin`);
    await expect(page).toHaveURL(`${base()}/forbidden`);
    await expect(page.getByRole("heading", { name: "This page is for admins" })).toBeVisible();
  });
});
