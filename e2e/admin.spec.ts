import { expect, test, type Page } from "@playwright/test";
import { io } from "socket.io-client";
import { expectConnected, instanceUrl, signIn } from "./helpers";

async function cookieHeader(page: Page): Promise<string> {
  const cookies = await page.context().cookies();
  return cookies.map((c) => `${c.name}=${c.value}`).join("; ");
}

/** What the `/admin` namespace answers a socket carrying this page's session cookie. */
function tryAdminNamespace(url: string, cookie: string): Promise<string> {
  const socket = io(`${url}/admin`, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    extraHeaders: { cookie },
  });
  return new Promise((resolve) => {
    socket.once("connect", () => {
      socket.close();
      resolve("connected");
    });
    socket.once("connect_error", (err) => {
      socket.close();
      resolve(err.message);
    });
  });
}

/** alice's connections on inst-b as the users table shows them (0 when she has no row or none there). */
async function aliceOnB(page: Page): Promise<number> {
  const chip = page.getByTestId("user-alice-on-inst-b");
  return (await chip.count()) > 0 ? Number(await chip.getAttribute("data-count")) : 0;
}

test.describe("admin panel (two instances on Redis)", () => {
  test("an admin watches another user connect and leave live, in the counts and the users table, with latency data", async ({
    page,
    browser,
  }) => {
    const a = instanceUrl("a");
    const b = instanceUrl("b");
    await signIn(page, a, "admin");
    await page.goto(`${a}/admin`);
    await expect(page.getByRole("heading", { name: "Live system" })).toBeVisible();
    await expect(page.getByTestId("admin-feed-status")).toHaveAttribute("data-status", "live");
    await expect(page.getByTestId("instance-inst-a")).toHaveAttribute("data-state", "live");
    await expect(page.getByTestId("instance-inst-b")).toHaveAttribute("data-state", "live");
    // Marks this document: if the page reloaded, the mark would be gone.
    await page.evaluate(() => ((window as unknown as { __stillHere: boolean }).__stillHere = true));

    const onA = page.getByTestId("instance-inst-a-connections");
    const onB = page.getByTestId("instance-inst-b-connections");
    const figures = async () => [
      Number(await page.getByTestId("kpi-connections").textContent()),
      Number(await onA.getAttribute("data-count")),
      Number(await onB.getAttribute("data-count")),
    ];
    // The admin's own tab is a connection on A; wait until the panel counts it before taking the baseline.
    await expect.poll(async () => (await figures())[1]).toBeGreaterThanOrEqual(1);
    const [, a0, b0] = await figures();
    // The users table lists the admin's own tab too, once it has loaded.
    await expect(page.getByTestId("user-admin")).toBeVisible();
    const alice0 = await aliceOnB(page);

    const other = await browser.newContext();
    const visitor = await other.newPage();
    await signIn(visitor, b, "alice");
    await expectConnected(visitor);
    await expect(visitor.getByTestId("conn-instance")).toHaveText("inst-b");

    await expect.poll(figures).toEqual([a0! + b0! + 1, a0, b0! + 1]);
    // The users table, pushed too: alice's new connection on B, with her browser.
    await expect.poll(() => aliceOnB(page)).toBe(alice0 + 1);
    await page.getByRole("button", { name: "alice", exact: true }).click();
    const details = page.getByTestId("user-alice-connections");
    await expect(details.getByRole("row").filter({ hasText: "inst-b" }).first()).toContainText(
      /Chrome \d+ on Linux/,
    );

    // Clients report latency every 5 s; the chart shows percentiles once samples arrive.
    await expect(page.getByTestId("chart-latency")).toHaveAttribute("data-has-data", "true", {
      timeout: 30_000,
    });
    await expect(page.getByTestId("chart-latency-deliveryP50")).toHaveText(/\d.* m?s$/, { timeout: 30_000 });
    await expect(page.getByTestId("chart-latency-rttP50")).toHaveText(/\d.* m?s$/);
    await expect(page.getByTestId("chart-connections")).toHaveAttribute("data-has-data", "true");

    await other.close();
    await expect.poll(figures).toEqual([a0! + b0!, a0, b0]);
    await expect.poll(() => aliceOnB(page)).toBe(alice0);
    expect(await page.evaluate(() => (window as unknown as { __stillHere?: boolean }).__stillHere)).toBe(
      true,
    );
  });

  test("an admin announces to everyone and disconnects a user everywhere from the panel", async ({
    page,
    browser,
  }) => {
    const a = instanceUrl("a");
    const b = instanceUrl("b");
    const other = await browser.newContext();
    const visitor = await other.newPage();
    await signIn(visitor, b, "bob");
    await expectConnected(visitor);

    await signIn(page, a, "admin");
    await page.goto(`${a}/admin`);
    await expect(page.getByTestId("admin-feed-status")).toHaveAttribute("data-status", "live");

    const message = `Planned maintenance ${Date.now()}: boards stay readable.`;
    await page.getByTestId("announcement-text").fill(message);
    await page.getByRole("button", { name: "Send to everyone…" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Send now" }).click();
    await expect(page.getByTestId("announcements-sent")).toContainText(message);
    // The visitor, on the other instance, sees it as a toast.
    await expect(visitor.getByText(message)).toBeVisible();

    await page.getByTestId("disconnect-bob").click();
    const dialog = page.getByRole("dialog");
    await expect(dialog).toContainText("Disconnect bob everywhere?");
    await dialog.getByRole("button", { name: "Disconnect everywhere" }).click();
    await expect(page.getByText(/Closed \d+ connections? of bob on \d+ instances?\./)).toBeVisible();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId("user-bob")).toHaveCount(0);
    // bob's tab says why, and stays offline rather than reconnecting by itself.
    await expect(
      visitor.getByText("An administrator closed your connections.", { exact: false }),
    ).toBeVisible();
    await expect(visitor.getByTestId("connection-status")).toHaveAttribute("data-status", "offline");
    await other.close();
  });

  test("a non-admin is sent away from /admin and refused on the namespace", async ({ page }) => {
    const a = instanceUrl("a");
    await signIn(page, a, "bob");
    await page.goto(`${a}/admin`);
    await expect(page).toHaveURL(`${a}/forbidden`);
    expect(await tryAdminNamespace(a, await cookieHeader(page))).toBe("FORBIDDEN");
    expect(await tryAdminNamespace(a, "")).toBe("UNAUTHORIZED");
  });

  test("an admin's session cookie opens the namespace", async ({ page }) => {
    const a = instanceUrl("a");
    await signIn(page, a, "admin");
    expect(await tryAdminNamespace(a, await cookieHeader(page))).toBe("connected");
  });
});
