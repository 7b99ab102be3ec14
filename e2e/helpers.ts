import { expect, type Browser, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "pulseboard";

export function instanceUrl(which: "embedded" | "a" | "b"): string {
  const url = { embedded: process.env.E2E_EMBEDDED_URL, a: process.env.E2E_A_URL, b: process.env.E2E_B_URL }[
    which
  ];
  if (!url) throw new Error(`E2E_${which.toUpperCase()}_URL is not set; run through playwright.config.ts`);
  return url;
}

export async function signIn(
  page: Page,
  baseUrl: string,
  user: string,
  password = DEMO_PASSWORD,
): Promise<void> {
  await page.goto(`${baseUrl}/signin`);
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("user-name")).toHaveText(user);
}

export async function expectConnected(page: Page): Promise<void> {
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "connected");
}

/** Creates a board through the home page's dialog and returns its path once it is open. */
export async function createBoard(page: Page, title: string): Promise<string> {
  await page.getByRole("button", { name: "New board" }).click();
  await page.getByRole("dialog", { name: "New board" }).getByLabel("Title").fill(title);
  await page.getByRole("button", { name: "Create board" }).click();
  await expect(page).toHaveURL(/\/boards\/[A-Za-z0-9_-]+$/);
  await expect(page.getByTestId("board-title")).toHaveText(title);
  return new URL(page.url()).pathname;
}

export async function addWidget(page: Page, type: "Note" | "KPI" | "Checklist" | "Live chart") {
  const kind = { Note: "note", KPI: "kpi", Checklist: "checklist", "Live chart": "chart" }[type];
  const widgets = page.locator(`[data-widget-type="${kind}"]`);
  const before = await widgets.count();
  await page.getByRole("button", { name: "Add widget" }).click();
  await page.getByRole("menuitem", { name: new RegExp(`^${type}`) }).click();
  await expect(widgets).toHaveCount(before + 1);
  return widgets.nth(before);
}

/** The owner shares the open board with `user` as an editor, from the share dialog, and closes it. */
export async function shareWith(page: Page, user: string): Promise<void> {
  await page.getByRole("button", { name: "Share" }).click();
  const share = page.getByRole("dialog", { name: /Share/ });
  await share.getByPlaceholder("User name").fill(user);
  await share.getByRole("button", { name: "Share" }).click();
  await expect(share.getByTestId(`member-${user}`)).toBeVisible();
  await page.keyboard.press("Escape");
}

/**
 * Alice signed in on instance A and bob on instance B, each in a browser context of their own, closed afterwards:
 * two people on two servers.
 */
export async function asAliceAndBob(browser: Browser, run: (alice: Page, bob: Page) => Promise<void>) {
  const contexts = [await browser.newContext(), await browser.newContext()] as const;
  try {
    const [alice, bob] = await Promise.all(contexts.map((c) => c.newPage()));
    await signIn(alice!, instanceUrl("a"), "alice");
    await signIn(bob!, instanceUrl("b"), "bob");
    await run(alice!, bob!);
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
  }
}
