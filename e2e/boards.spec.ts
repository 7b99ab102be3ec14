import { expect, test, type Browser, type Locator, type Page } from "@playwright/test";
import {
  addWidget,
  asAliceAndBob,
  createBoard,
  expectConnected,
  instanceUrl,
  shareWith,
  signIn,
} from "./helpers";

async function expectSaved(page: Page) {
  await expect(page.getByTestId("board-sync")).toHaveAttribute("data-pending", "0");
  await expect(page.getByTestId("board-sync")).toHaveAttribute("data-status", "live");
}

interface NoteEditors {
  alice: Page;
  bob: Page;
  aliceNote: Locator;
  bobNote: Locator;
}

/** Alice (on instance A) shares a board with a note with bob, who has it open on B. */
async function withSharedNote(browser: Browser, title: string, run: (e: NoteEditors) => Promise<void>) {
  await asAliceAndBob(browser, async (alice, bob) => {
    const path = await createBoard(alice, title);
    await shareWith(alice, "bob");
    const aliceNote = await addWidget(alice, "Note");
    await expectSaved(alice);
    await bob.goto(`${instanceUrl("b")}${path}`);
    await run({ alice, bob, aliceNote, bobNote: bob.locator('[data-widget-type="note"]') });
  });
}

test.describe("boards", () => {
  test("two users on two instances edit one board live, and one catches up after being offline", async ({
    browser,
  }) => {
    const aliceCtx = await browser.newContext();
    const bobCtx = await browser.newContext();
    const alice = await aliceCtx.newPage();
    const bob = await bobCtx.newPage();
    try {
      await signIn(alice, instanceUrl("a"), "alice");
      const path = await createBoard(alice, "Launch plan");

      await shareWith(alice, "bob");

      await signIn(bob, instanceUrl("b"), "bob");
      await bob.goto(`${instanceUrl("b")}${path}`);
      await expect(bob.getByTestId("board-title")).toHaveText("Launch plan");
      // Each sees the other's avatar, across instances.
      await expect(alice.getByTestId("presence-bob")).toBeVisible();
      await expect(bob.getByTestId("presence-alice")).toBeVisible();

      const aliceList = await addWidget(alice, "Checklist");
      const bobList = bob.locator('[data-widget-type="checklist"]');
      await expect(bobList).toHaveCount(1);
      await bobList.getByLabel("New item").fill("Book the venue");
      await bobList.getByLabel("New item").press("Enter");
      await expect(aliceList.getByRole("checkbox", { name: "Book the venue" })).toBeVisible();
      await aliceList.getByRole("checkbox", { name: "Book the venue" }).check();
      await expect(bobList.getByRole("checkbox", { name: "Book the venue" })).toBeChecked();

      // Bob's browser goes offline: the socket is closed, his edits wait in the outbox.
      await bobCtx.setOffline(true);
      await expect(bob.getByTestId("connection-status")).toHaveAttribute("data-status", "offline");
      await expect(bob.getByTestId("board-sync")).toHaveAttribute("data-status", "offline");
      await bobList.getByLabel("New item").fill("Print badges");
      await bobList.getByLabel("New item").press("Enter");
      await expect(bob.getByTestId("board-sync")).toHaveAttribute("data-pending", "1");

      // Meanwhile alice keeps working.
      await aliceList.getByLabel("New item").fill("Order coffee");
      await aliceList.getByLabel("New item").press("Enter");
      const note = await addWidget(alice, "Note");
      await note.getByRole("button", { name: "Edit note" }).click();
      await note.getByLabel("Note text").fill("Doors open at **9:00**");
      await note.getByRole("button", { name: "Done" }).click();
      await alice.getByRole("button", { name: /Board title/ }).click();
      await alice.getByLabel("Board title").fill("Launch plan v2");
      await alice.getByLabel("Board title").press("Enter");
      await expectSaved(alice);

      await bobCtx.setOffline(false);
      await expectConnected(bob);
      await expectSaved(bob);
      await expect(bob.getByTestId("board-title")).toHaveText("Launch plan v2");
      await expect(bobList.getByRole("checkbox", { name: "Order coffee" })).toBeVisible();
      await expect(bob.locator('[data-widget-type="note"]').getByTestId("note-body")).toContainText(
        "Doors open at 9:00",
      );
      // And bob's queued item reached alice.
      await expect(aliceList.getByRole("checkbox", { name: "Print badges" })).toBeVisible();
      await expect(bob.getByTestId("board-rev")).toHaveText(
        (await alice.getByTestId("board-rev").textContent()) ?? "",
      );
    } finally {
      await aliceCtx.close();
      await bobCtx.close();
    }
  });

  test("a concurrent edit of a note is shown as a conflict, and the user's text is kept", async ({
    browser,
  }) => {
    await withSharedNote(browser, "Conflicts", async ({ alice, aliceNote, bobNote }) => {
      // Bob starts editing; alice saves a change he has not seen.
      await bobNote.getByRole("button", { name: "Edit note" }).click();
      await expect(aliceNote.getByTestId("widget-editing")).toBeVisible();
      await aliceNote.getByRole("button", { name: "Edit note" }).click();
      await aliceNote.getByLabel("Note text").fill("Alice's agenda");
      await aliceNote.getByRole("button", { name: "Done" }).click();
      await expectSaved(alice);

      await bobNote.getByLabel("Note text").fill("Bob's agenda");
      const conflict = bobNote.getByTestId("conflict");
      await expect(conflict).toBeVisible();
      await expect(conflict.getByTestId("conflict-theirs")).toHaveText("Alice's agenda");
      await expect(conflict.getByTestId("conflict-mine")).toHaveText("Bob's agenda");
      await expect(bobNote.getByLabel("Note text")).toHaveValue("Bob's agenda");
      await conflict.getByRole("button", { name: "Keep mine" }).click();
      await expect(conflict).toBeHidden();
      await expect(aliceNote.getByTestId("note-body")).toHaveText("Bob's agenda");
    });
  });

  test("two people editing different words of one note both keep their words, and see each other's", async ({
    browser,
  }) => {
    await withSharedNote(browser, "Minutes", async ({ alice, bob, aliceNote, bobNote }) => {
      const edit = async (note: Locator, text: string) => {
        await note.getByRole("button", { name: "Edit note" }).click();
        await note.getByLabel("Note text").fill(text);
      };
      await edit(aliceNote, "Agenda: budget and roadmap");
      await aliceNote.getByRole("button", { name: "Done" }).click();
      await expect(bobNote.getByTestId("note-body")).toHaveText("Agenda: budget and roadmap");

      // Both open the note; alice saves first, bob then saves a change to another word, still editing.
      await bobNote.getByRole("button", { name: "Edit note" }).click();
      await expect(aliceNote.getByTestId("widget-editing")).toBeVisible();
      await edit(aliceNote, "Agenda: travel budget and roadmap");
      await aliceNote.getByRole("button", { name: "Done" }).click();
      await expectSaved(alice);
      await bobNote.getByLabel("Note text").fill("Agenda: budget and Q3 roadmap");

      // No conflict: bob's open editor takes in alice's words, and everyone ends with both.
      const both = "Agenda: travel budget and Q3 roadmap";
      await expect(bobNote.getByLabel("Note text")).toHaveValue(both);
      await expect(bobNote.getByTestId("conflict")).toHaveCount(0);
      await bob.screenshot({ path: "e2e/.artifacts/note-merged-while-editing.png" });
      await bobNote.getByRole("button", { name: "Done" }).click();
      await expectSaved(bob);
      await expect(bobNote.getByTestId("note-body")).toHaveText(both);
      await expect(aliceNote.getByTestId("note-body")).toHaveText(both);
    });
  });

  test("points pushed to the push API appear in an open chart", async ({ page }) => {
    const base = instanceUrl("a");
    await signIn(page, base, "alice");
    await createBoard(page, "Metrics");
    const chart = await addWidget(page, "Live chart");
    await expectSaved(page);
    await chart.getByRole("button", { name: "Push API for this chart" }).click();
    const url = (await chart.getByTestId("chart-push-url").textContent()) ?? "";
    expect(url).toMatch(/\/api\/boards\/[A-Za-z0-9_-]+\/widgets\/[A-Za-z0-9_-]+\/points$/);
    await page.keyboard.press("Escape");

    const minted = await page.request.post(`${base}/api/tokens`, { data: { ttlSeconds: 600 } });
    expect(minted.status()).toBe(201);
    const { token } = (await minted.json()) as { token: string };
    const push = async (points: [number, number][]) => {
      // Pushed through the other instance: the points reach the chart over Redis.
      const res = await page.request.post(url.replace(base, instanceUrl("b")), {
        headers: { authorization: `Bearer ${token}` },
        data: { points },
      });
      expect(res.status()).toBe(200);
    };
    const now = Date.now();
    await push([
      [now - 2_000, 10],
      [now - 1_000, 12.5],
    ]);
    await expect(chart.getByTestId("chart-count")).toHaveAttribute("data-count", "2");
    await push([[now, 42]]);
    await expect(chart.getByTestId("chart-count")).toHaveAttribute("data-count", "3");
    await expect(chart.getByTestId("chart-latest")).toContainText("42");
  });

  test("note text with HTML stays inert text", async ({ page }) => {
    let dialogs = 0;
    page.on("dialog", (d) => {
      dialogs++;
      void d.dismiss();
    });
    await signIn(page, instanceUrl("embedded"), "alice");
    await createBoard(page, "Safety");
    const note = await addWidget(page, "Note");
    const evil = `<script>window.__xss = 1; alert(1)</script> <img src=x onerror="window.__xss = 2; alert(2)"> [x](javascript:alert(3))`;
    await note.getByRole("button", { name: "Edit note" }).click();
    await note.getByLabel("Note text").fill(evil);
    await note.getByRole("button", { name: "Done" }).click();
    await expectSaved(page);
    await page.reload();
    const body = page.locator('[data-widget-type="note"]').getByTestId("note-body");
    await expect(body).toHaveText(evil);
    await expect(body.locator("script, img, a")).toHaveCount(0);
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toBe(0);
  });
});
