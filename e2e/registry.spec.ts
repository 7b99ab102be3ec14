import { expect, test } from "@playwright/test";
import type { SessionsResponse } from "../lib/protocol/sessions";
import { issueApiToken } from "../server/auth/api-tokens";
import { SqlTokenStore } from "../server/auth/token-store.sql";
import { SqlUserStore } from "../server/auth/user-store.sql";
import { openDatabase } from "../server/db/open";
import { E2E_SECRET } from "./fixtures/stack";

/** An API token recorded in the stack's database, as `npm run token` would issue it (the user must exist). */
async function issueToken(name: string): Promise<string> {
  const url = process.env.E2E_DATABASE_URL;
  if (!url) throw new Error("E2E_DATABASE_URL is not set; run through playwright.config.ts");
  const database = await openDatabase({ url, dataDir: "e2e/.artifacts" }, { migrate: false });
  try {
    const user = await new SqlUserStore(database).get(name);
    if (!user) throw new Error(`no user ${name} in the stack's database`);
    const tokens = new SqlTokenStore(database);
    return (await issueApiToken({ secret: E2E_SECRET, tokens, user, name: "e2e", ttlSeconds: 600 })).token;
  } finally {
    await database.close();
  }
}
import { expectConnected, instanceUrl, signIn } from "./helpers";

/** Calls the HTTP API with an API token, as a script or an admin tool would. */
async function api(
  method: string,
  url: string,
  as: { name: string; role: "user" | "admin" },
  body?: unknown,
  alsoFine: number[] = [],
) {
  // The role comes from the user store; `as.role` only documents what the call expects.
  const token = await issueToken(as.name);
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!alsoFine.includes(res.status)) expect(res.status, `${method} ${url}`).toBeLessThan(300);
  return (await res.json()) as unknown;
}

const ADMIN = { name: "admin", role: "admin" } as const;
const BOB = { name: "bob", role: "user" } as const;

test.describe("connection limit (two instances on Redis)", () => {
  const a = () => instanceUrl("a");
  const b = () => instanceUrl("b");

  test.beforeEach(async () => {
    // Bob gets a limit of 2 for this test, set at run time, and starts with no session left by other tests.
    await api("PUT", `${a()}/api/admin/limits/users/bob`, ADMIN, { limit: 2 });
    // Tabs of the previous test may still be closing: a session gone meanwhile (404) is as good as closed.
    await expect
      .poll(async () => {
        const { sessions } = (await api("GET", `${a()}/api/sessions`, BOB)) as SessionsResponse;
        for (const s of sessions)
          await api("DELETE", `${a()}/api/sessions/${s.connectionId}`, BOB, undefined, [404]);
        return sessions.length;
      })
      .toBe(0);
  });

  test.afterEach(async () => {
    await api("DELETE", `${a()}/api/admin/limits/users/bob`, ADMIN);
  });

  test("a user at the limit sees it plainly on the next tab, closes a session from there, and that tab connects", async ({
    browser,
  }) => {
    const context = await browser.newContext();
    const first = await context.newPage();
    await signIn(first, a(), "bob");
    await expectConnected(first);
    // The session cookie is valid on the other instance too.
    const second = await context.newPage();
    await second.goto(`${b()}/`);
    await expectConnected(second);
    await expect(second.getByTestId("conn-instance")).toHaveText("inst-b");

    const third = await context.newPage();
    await third.goto(`${a()}/`);
    await expect(third.getByTestId("connection-status")).toHaveAttribute("data-status", "limited");
    const notice = third.getByTestId("connection-limit");
    await expect(notice.getByRole("heading")).toHaveText("You are connected in 2 places, the limit is 2");
    const rows = notice.getByTestId("session-row");
    await expect(rows).toHaveCount(2);
    await expect(rows.filter({ hasText: "inst-a" })).toContainText(/Chrome \d+ on Linux/);
    await expect(rows.filter({ hasText: "inst-b" })).toContainText(/since \d/);
    // Each session says where it is and when it was last active. The tab on instance A shares this tab's origin,
    // hence its storage: it is another tab of this browser. Instance B is another origin, as another browser is.
    const [onA, onB] = [rows.filter({ hasText: "inst-a" }), rows.filter({ hasText: "inst-b" })];
    await expect(onA.getByTestId("session-this-browser")).toHaveText("Another tab in this browser");
    await expect(onB.getByTestId("session-this-browser")).toHaveCount(0);
    for (const row of [onA, onB]) {
      await expect(row.getByTestId("session-page")).toHaveText("Has the home page open");
      await expect(row.getByTestId("session-last-active")).toContainText("Last active");
    }
    await third.screenshot({ path: "e2e/.artifacts/registry-limit-sessions.png" });

    // Close the tab on instance B from here; this tab takes the freed slot at once.
    await notice.getByRole("button", { name: /Close the session of .* on inst-b/ }).click();
    await expectConnected(third);
    await expect(third.getByTestId("connection-limit")).toHaveCount(0);
    await expect(third.getByTestId("conn-instance")).toHaveText("inst-a");

    // The closed tab says why and stays offline instead of taking the slot back.
    await expect(second.getByTestId("connection-status")).toHaveAttribute("data-status", "offline");
    await expect(second.getByTestId("session-closed")).toContainText("closed from another tab or device");
    await expectConnected(first);
    await context.close();
  });

  test("a duplicated tab (same tab id copied with sessionStorage) takes an id of its own instead of fighting", async ({
    browser,
  }) => {
    const context = await browser.newContext();
    const original = await context.newPage();
    await signIn(original, a(), "bob");
    await expectConnected(original);
    const clientId = await original.evaluate(() => sessionStorage.getItem("pulseboard.clientId"));
    expect(clientId).toBeTruthy();

    // What "Duplicate tab" does: the copy starts with the original's sessionStorage.
    const copy = await context.newPage();
    await copy.addInitScript((id) => sessionStorage.setItem("pulseboard.clientId", id), clientId!);
    await copy.goto(`${b()}/`);
    await expectConnected(copy);

    // The original was replaced, took a new id and reconnected; both count, once each.
    await expectConnected(original);
    await expect
      .poll(async () => ((await api("GET", `${a()}/api/sessions`, BOB)) as SessionsResponse).active)
      .toBe(2);
    const ids = await Promise.all(
      [original, copy].map((p) => p.evaluate(() => sessionStorage.getItem("pulseboard.clientId"))),
    );
    expect(ids[1]).toBe(clientId);
    expect(ids[0]).not.toBe(clientId);
    await context.close();
  });
});
