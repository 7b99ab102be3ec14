import { expect, type Page } from "@playwright/test";

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
