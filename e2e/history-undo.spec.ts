import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Locator, type Page } from "@playwright/test";
import { addWidget, createBoard, instanceUrl, shareWith, signIn } from "./helpers";

/** History and the trash need the database's full op log: these run on the embedded instance (SQLite). */
const url = () => instanceUrl("embedded");

async function expectSaved(page: Page) {
  await expect(page.getByTestId("board-sync")).toHaveAttribute("data-pending", "0");
  await expect(page.getByTestId("board-sync")).toHaveAttribute("data-status", "live");
}

async function writeNote(page: Page, note: Locator, text: string) {
  await note.getByRole("button", { name: "Edit note" }).click();
  await note.getByLabel("Note text").fill(text);
  await note.getByRole("button", { name: "Done" }).click();
  await expect(note.getByTestId("note-body")).toHaveText(text);
  await expectSaved(page);
}

/** Alice and bob signed in on the embedded instance, each in a context of their own, on a board alice shares. */
async function onSharedBoard(
  browser: Browser,
  title: string,
  run: (e: { alice: Page; bob: Page; path: string }) => Promise<void>,
) {
  const contexts = [await browser.newContext(), await browser.newContext()];
  try {
    const [alice, bob] = await Promise.all([contexts[0]!.newPage(), contexts[1]!.newPage()]);
    await signIn(alice, url(), "alice");
    await signIn(bob, url(), "bob");
    const path = await createBoard(alice, title);
    await shareWith(alice, "bob");
    await run({ alice, bob, path });
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
  }
}

/** Every control of the board's header is the topmost element at its centre: nothing covers it. */
async function expectHeaderUncovered(page: Page) {
  const header = page.getByRole("button", { name: "History", exact: true }).locator("xpath=..");
  const buttons = header.getByRole("button");
  expect(await buttons.count()).toBeGreaterThan(3);
  for (const button of await buttons.all()) {
    const onTop = await button.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return r.width > 0 && hit !== null && el.contains(hit);
    });
    expect(onTop, (await button.getAttribute("aria-label")) ?? (await button.innerText())).toBe(true);
  }
}

/** Ctrl+Z with the focus on the page, outside any text field. */
async function pressUndo(page: Page) {
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("Control+z");
}

test.describe("undo, history and restore", () => {
  test("Ctrl+Z undoes only alice's own last change; a field bob changed since gets the conflict choice", async ({
    browser,
  }) => {
    await onSharedBoard(browser, "Undo together", async ({ alice, bob, path }) => {
      const aliceFirst = await addWidget(alice, "Note");
      const aliceSecond = await addWidget(alice, "Note");
      await expectSaved(alice);
      await bob.goto(`${url()}${path}`);
      const bobNotes = bob.locator('[data-widget-type="note"]');
      await expect(bobNotes).toHaveCount(2);
      const [bobFirst, bobSecond] = [bobNotes.nth(0), bobNotes.nth(1)];

      await writeNote(alice, aliceFirst, "First draft");
      await writeNote(alice, aliceFirst, "Second draft");
      await writeNote(bob, bobSecond, "Bob's notes");
      await expect(aliceSecond.getByTestId("note-body")).toHaveText("Bob's notes");

      // Only alice's last change goes; bob's stays, for both of them.
      await pressUndo(alice);
      await expect(aliceFirst.getByTestId("note-body")).toHaveText("First draft");
      await expect(bobFirst.getByTestId("note-body")).toHaveText("First draft");
      await expect(aliceSecond.getByTestId("note-body")).toHaveText("Bob's notes");
      await expect(bobSecond.getByTestId("note-body")).toHaveText("Bob's notes");

      // Redo from the header button puts it back; undo again.
      await alice.getByRole("button", { name: /^Redo/ }).click();
      await expect(aliceFirst.getByTestId("note-body")).toHaveText("Second draft");
      await pressUndo(alice);
      await expect(aliceFirst.getByTestId("note-body")).toHaveText("First draft");

      // Bob rewrites the note alice would undo next: alice gets the choice instead of an overwrite.
      await writeNote(bob, bobFirst, "Bob rewrote it");
      await expect(aliceFirst.getByTestId("note-body")).toHaveText("Bob rewrote it");
      await pressUndo(alice);
      const conflict = aliceFirst.getByTestId("conflict");
      await expect(conflict).toBeVisible();
      await expect(conflict.getByTestId("conflict-theirs")).toHaveText("Bob rewrote it");
      await expect(conflict.getByRole("button", { name: "Keep mine" })).toBeVisible();
      await conflict.getByRole("button", { name: "Use theirs" }).click();
      await expect(conflict).toBeHidden();
      await expect(bobFirst.getByTestId("note-body")).toHaveText("Bob rewrote it");
      await expect(aliceFirst.getByTestId("note-body")).toHaveText("Bob rewrote it");
    });
  });

  test("undoing a note edit takes back only alice's words; words bob added since stay", async ({
    browser,
  }) => {
    await onSharedBoard(browser, "Undo my words", async ({ alice, bob, path }) => {
      const aliceNote = await addWidget(alice, "Note");
      await writeNote(alice, aliceNote, "Agenda: budget and roadmap");
      await bob.goto(`${url()}${path}`);
      const bobNote = bob.locator('[data-widget-type="note"]');

      await writeNote(alice, aliceNote, "Agenda: travel budget and roadmap");
      await expect(bobNote.getByTestId("note-body")).toHaveText("Agenda: travel budget and roadmap");
      await writeNote(bob, bobNote, "Agenda: travel budget and Q3 roadmap");
      await expect(aliceNote.getByTestId("note-body")).toHaveText("Agenda: travel budget and Q3 roadmap");

      await pressUndo(alice);
      await expect(aliceNote.getByTestId("note-body")).toHaveText("Agenda: budget and Q3 roadmap");
      await expect(bobNote.getByTestId("note-body")).toHaveText("Agenda: budget and Q3 roadmap");
      await expect(aliceNote.getByTestId("conflict")).toHaveCount(0);
      await expectSaved(alice);
    });
  });

  test("undoing alice's add of a note bob wrote in since asks first, and keeps it unless she confirms", async ({
    browser,
  }) => {
    await onSharedBoard(browser, "Undo an add", async ({ alice, bob, path }) => {
      const aliceNote = await addWidget(alice, "Note");
      await expectSaved(alice);
      await bob.goto(`${url()}${path}`);
      const bobNote = bob.locator('[data-widget-type="note"]');
      await writeNote(bob, bobNote, "Bob's minutes");
      await expect(aliceNote.getByTestId("note-body")).toHaveText("Bob's minutes");

      await pressUndo(alice);
      const ask = alice.getByRole("dialog", { name: "Remove a widget someone else changed?" });
      await expect(ask).toContainText("bob changed it after you");
      await alice.screenshot({ path: "e2e/.artifacts/undo-add-confirm.png" });
      await ask.getByRole("button", { name: "Cancel" }).click();
      await expect(ask).toBeHidden();
      await expect(bobNote.getByTestId("note-body")).toHaveText("Bob's minutes");
      await expect(alice.locator('[data-widget-type="note"]')).toHaveCount(1);

      await pressUndo(alice);
      await ask.getByRole("button", { name: "Remove it anyway" }).click();
      await expect(bob.locator('[data-widget-type="note"]')).toHaveCount(0);
      await expectSaved(alice);
    });
  });

  test("removing a widget or a checklist item shows a toast whose Undo brings it back as it was", async ({
    page,
  }) => {
    await signIn(page, url(), "alice");
    await createBoard(page, "Toast undo");
    const note = await addWidget(page, "Note");
    await writeNote(page, note, "Keep this text");
    await note.getByRole("button", { name: "Remove widget" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Remove" }).click();
    await expect(page.locator('[data-widget-type="note"]')).toHaveCount(0);
    const toast = page.locator("[data-sonner-toast]").filter({ hasText: "Widget removed" });
    await toast.getByRole("button", { name: "Undo" }).click();
    await expect(page.locator('[data-widget-type="note"]')).toHaveCount(1);
    await expect(page.getByTestId("note-body")).toHaveText("Keep this text");

    // A checklist item comes back ticked.
    const list = await addWidget(page, "Checklist");
    await list.getByLabel("New item").fill("Book the venue");
    await list.getByLabel("New item").press("Enter");
    await list.getByRole("checkbox", { name: "Book the venue" }).check();
    await expectSaved(page);
    await list.getByRole("button", { name: "Remove item: Book the venue" }).click();
    await expect(list.getByRole("checkbox", { name: "Book the venue" })).toHaveCount(0);
    await page
      .locator("[data-sonner-toast]")
      .filter({ hasText: "Item removed" })
      .getByRole("button", { name: "Undo" })
      .click();
    await expect(list.getByRole("checkbox", { name: "Book the venue" })).toBeChecked();
    await expectSaved(page);
  });

  test("a deleted board is restored by its owner from Recently deleted", async ({ page }) => {
    await signIn(page, url(), "alice");
    const path = await createBoard(page, "Recoverable plan");
    await addWidget(page, "Checklist");
    await expectSaved(page);
    await page.getByRole("button", { name: "Delete board" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete board" }).click();
    await expect(page).toHaveURL(`${url()}/`);
    const deleted = page.getByRole("region", { name: "Recently deleted" });
    await expect(deleted.getByText("Recoverable plan")).toBeVisible();
    await expect(page.getByTestId("board-list").getByText("Recoverable plan")).toHaveCount(0);
    await page.screenshot({ path: "e2e/.artifacts/recently-deleted.png", fullPage: true });

    await deleted.getByRole("button", { name: "Restore “Recoverable plan”" }).click();
    await expect(page.getByTestId("board-list").getByText("Recoverable plan")).toBeVisible();
    await page.getByTestId("board-list").getByText("Recoverable plan").click();
    await expect(page).toHaveURL(`${url()}${path}`);
    await expect(page.locator('[data-widget-type="checklist"]')).toHaveCount(1);
  });

  test("history lists changes; a widget restored to an earlier revision is undone again; no serious a11y violations", async ({
    page,
  }) => {
    await page.setViewportSize({ width: 1280, height: 860 });
    await signIn(page, url(), "alice");
    await createBoard(page, "Launch notes");
    const note = await addWidget(page, "Note");
    await writeNote(page, note, "Budget for the launch week");
    await writeNote(page, note, "Budget for the whole launch month");
    await note.getByRole("button", { name: /^Widget title/ }).click();
    await note.getByLabel("Widget title").fill("Plan");
    await note.getByLabel("Widget title").press("Enter");
    await expectSaved(page);

    const historyButton = page.getByRole("button", { name: "History", exact: true });
    await historyButton.click();
    const panel = page.getByRole("complementary", { name: "History" });
    await expect(panel).toBeVisible();
    // Focus moves into the panel; it covers neither the header nor the board, which shrinks beside it.
    await expect(panel.getByRole("heading", { name: "History" })).toBeFocused();
    await expectHeaderUncovered(page);
    const [noteBox, panelBox] = [await note.boundingBox(), await panel.boundingBox()];
    expect(noteBox!.x + noteBox!.width).toBeLessThanOrEqual(panelBox!.x);
    expect(panelBox!.x + panelBox!.width).toBeLessThanOrEqual(1280);
    const entries = panel.getByTestId("history-entry");
    await expect(entries).toHaveCount(4);
    await expect(entries.nth(0)).toContainText("renamed the note “Note” to “Plan”");
    await expect(panel.getByText(/^alice/).first()).toBeVisible();
    const secondEdit = entries.nth(1);
    await expect(secondEdit).toContainText("edited the text of the note “Note”");
    await expect(secondEdit.locator("del")).toHaveText("week");
    await expect(secondEdit.locator("ins")).toHaveText(["whole", "month"]);

    const results = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
      .analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
    await page.screenshot({ path: "e2e/.artifacts/history-panel.png" });

    // The state after the first edit (revision 2): the note's text and its title then come back.
    await entries.nth(2).getByRole("button", { name: "Restore the note “Note” as of revision 2" }).click();
    // It asks first, saying what a restore does.
    const confirm = page.getByRole("dialog", { name: "Restore the widget?" });
    await expect(confirm).toContainText("The note “Note” goes back to how it was at revision 2.");
    await page.screenshot({ path: "e2e/.artifacts/history-restore-confirm.png" });
    await confirm.getByRole("button", { name: "Restore", exact: true }).click();
    await expect(confirm).toBeHidden();
    await expect(note.getByTestId("note-body")).toHaveText("Budget for the launch week");
    await expect(note.getByRole("button", { name: /^Widget title: Note/ })).toBeVisible();
    await expectSaved(page);

    // The restore is one step of undo.
    await page.getByRole("button", { name: /^Undo/ }).click();
    await expect(note.getByTestId("note-body")).toHaveText("Budget for the whole launch month");
    await expect(note.getByRole("button", { name: /^Widget title: Plan/ })).toBeVisible();
    await expectSaved(page);

    // A whole-board restore leaves members alone, and says so.
    await panel.getByRole("button", { name: "Restore the board as of revision 2" }).click();
    const boardConfirm = page.getByRole("dialog", { name: "Restore the board?" });
    await expect(boardConfirm).toContainText("Members and their access are not changed by a restore");
    await page.screenshot({ path: "e2e/.artifacts/history-restore-board-confirm.png" });
    await boardConfirm.getByRole("button", { name: "Cancel" }).click();
    await expect(boardConfirm).toBeHidden();

    // Escape closes the panel and gives the focus back to its button.
    await panel.getByRole("button", { name: "Close history" }).focus();
    await page.keyboard.press("Escape");
    await expect(panel).toBeHidden();
    await expect(historyButton).toBeFocused();
  });

  test("on a phone the history panel opens below the header, inside the screen", async ({ browser }) => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, hasTouch: true });
    try {
      const page = await context.newPage();
      await signIn(page, url(), "alice");
      await createBoard(page, "A board with a long title, on a phone");
      const note = await addWidget(page, "Note");
      await writeNote(page, note, "Pack the banners");

      const historyButton = page.getByRole("button", { name: "History", exact: true });
      await historyButton.click();
      const panel = page.getByRole("complementary", { name: "History" });
      await expect(panel.getByRole("heading", { name: "History" })).toBeFocused();
      await expect(panel.getByTestId("history-entry")).toHaveCount(2);
      await expectHeaderUncovered(page);
      const box = (await panel.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(375);
      // The page never scrolls sideways.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await page.screenshot({ path: "e2e/.artifacts/history-panel-phone.png" });

      await page.keyboard.press("Escape");
      await expect(panel).toBeHidden();
      await expect(historyButton).toBeFocused();
    } finally {
      await context.close();
    }
  });
});
