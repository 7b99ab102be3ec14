import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { addWidget, asAliceAndBob, createBoard, instanceUrl, shareWith } from "./helpers";

const SCREENS = "e2e/.artifacts/screens";

async function expectSaved(page: Page) {
  await expect(page.getByTestId("board-sync")).toHaveAttribute("data-pending", "0");
  await expect(page.getByTestId("board-sync")).toHaveAttribute("data-status", "live");
}

async function rev(page: Page): Promise<number> {
  return Number((await page.getByTestId("board-rev").textContent())?.replace(/\D/g, ""));
}

/** Visible in the window, and the topmost element at its centre: nothing (the widget's edge included) cuts it. */
async function expectUnclipped(page: Page, target: Locator, what: string) {
  await expect(target).toBeVisible();
  const box = (await target.boundingBox())!;
  const viewport = page.viewportSize()!;
  expect(box.x, `${what} left`).toBeGreaterThanOrEqual(0);
  expect(box.y, `${what} top`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${what} right`).toBeLessThanOrEqual(viewport.width);
  expect(box.y + box.height, `${what} bottom`).toBeLessThanOrEqual(viewport.height);
  const onTop = await target.evaluate((el) => {
    const r = el.getBoundingClientRect();
    // The middle of each edge, just inside (corners may be rounded off), and the centre.
    const cx = r.left + r.width / 2;
    const cy = r.top + r.height / 2;
    const points = [
      [cx, r.top + 2],
      [cx, r.bottom - 2],
      [r.left + 2, cy],
      [r.right - 2, cy],
      [cx, cy],
    ];
    return points.every(([x, y]) => {
      const hit = document.elementFromPoint(x!, y!);
      return hit !== null && el.contains(hit);
    });
  });
  expect(onTop, `${what} is not covered or clipped`).toBe(true);
}

/** Bob edits the KPI's value while alice saves another one: bob gets the conflict view. */
async function kpiConflict(alice: Page, bob: Page, theirs: string, mine: string) {
  const aliceKpi = alice.locator('[data-widget-type="kpi"]');
  const bobKpi = bob.locator('[data-widget-type="kpi"]');
  await bobKpi.getByRole("button", { name: "Edit KPI" }).click();
  await aliceKpi.getByRole("button", { name: "Edit KPI" }).click();
  await aliceKpi.getByLabel("Value").fill(theirs);
  await aliceKpi.getByRole("button", { name: "Save" }).click();
  await expectSaved(alice);
  await expect(bobKpi.getByTestId("kpi-value")).toHaveCount(0); // bob's editor is still open
  await bobKpi.getByLabel("Value").fill(mine);
  await bobKpi.getByRole("button", { name: "Save" }).click();
  const conflict = bobKpi.getByTestId("conflict");
  await expect(conflict).toBeVisible();
  await expect(conflict.getByTestId("conflict-by")).toHaveText("alice");
  return conflict;
}

test.describe("offline that survives closing the tab, conflicts, sharing", () => {
  test("three changes made offline survive closing the page and are committed once each when it reopens", async ({
    browser,
  }) => {
    await asAliceAndBob(browser, async (alice, bob) => {
      const path = await createBoard(alice, "Offline list");
      await shareWith(alice, "bob");
      const list = await addWidget(alice, "Checklist");
      await expectSaved(alice);
      await bob.goto(`${instanceUrl("b")}${path}`);
      const bobList = bob.locator('[data-widget-type="checklist"]');
      await expect(bobList).toBeVisible();
      const before = await rev(alice);

      await alice.context().setOffline(true);
      await expect(alice.getByTestId("board-sync")).toHaveAttribute("data-status", "offline");
      for (const text of ["Pack the tent", "Buy batteries", "Call the ranger"]) {
        await list.getByLabel("New item").fill(text);
        await list.getByLabel("New item").press("Enter");
        await expect(list.getByText(text)).toBeVisible();
      }
      const waiting = alice.getByTestId("pending-changes");
      await expect(waiting).toHaveText("3 changes waiting");
      await expect(waiting).toHaveAttribute("data-saved", "true");
      await alice.screenshot({ path: `${SCREENS}/pending-changes.png` });
      // Bob has seen none of it.
      await expect(bobList.getByRole("checkbox")).toHaveCount(0);

      await alice.close();
      await alice.context().setOffline(false);
      const reopened = await alice.context().newPage();
      await reopened.goto(`${instanceUrl("a")}${path}`);
      await expectSaved(reopened);
      await expect(reopened.getByTestId("pending-changes")).toHaveCount(0);
      // Exactly three new revisions: each change committed once.
      await expect.poll(() => rev(reopened)).toBe(before + 3);
      for (const text of ["Pack the tent", "Buy batteries", "Call the ranger"])
        await expect(bobList.getByRole("checkbox", { name: text })).toHaveCount(1);
      await expect(bobList.getByRole("checkbox")).toHaveCount(3);
      await expect(bob.getByTestId("board-rev")).toHaveText(`rev ${before + 3}`);
    });
  });

  test("a KPI conflict shows who changed it and both choices, unclipped even at the smallest KPI size", async ({
    browser,
  }) => {
    await asAliceAndBob(browser, async (alice, bob) => {
      const path = await createBoard(alice, "Conflict review");
      await shareWith(alice, "bob");
      await addWidget(alice, "KPI");
      await expectSaved(alice);
      await bob.goto(`${instanceUrl("b")}${path}`);
      const bobKpi = bob.locator('[data-widget-type="kpi"]');
      await expect(bobKpi).toBeVisible();

      // At its first size.
      let conflict = await kpiConflict(alice, bob, "1200", "1250");
      await expect(conflict.getByTestId("conflict-theirs")).toHaveText("1,200");
      await expect(conflict.getByTestId("conflict-mine")).toHaveText("1,250");
      await expect(conflict.getByTestId("conflict-mine").locator("mark")).toContainText("250");
      await bob.screenshot({ path: `${SCREENS}/conflict-kpi.png` });
      await conflict.getByRole("button", { name: "Use theirs" }).click();
      await expect(conflict).toHaveCount(0);

      // Alice shrinks the KPI to its smallest size (2 × 3) from the keyboard.
      const handle = alice.locator('[data-widget-type="kpi"]').getByRole("button", { name: /^Move widget/ });
      await handle.focus();
      await handle.press("Shift+ArrowLeft");
      await handle.press("Shift+ArrowUp");
      await expectSaved(alice);
      await expect
        .poll(async () => {
          const b = (await bobKpi.boundingBox())!;
          return b.height < 160;
        })
        .toBe(true);

      conflict = await kpiConflict(alice, bob, "7", "8");
      await expectUnclipped(bob, conflict.getByRole("button", { name: "Keep mine" }), "Keep mine");
      await expectUnclipped(bob, conflict.getByRole("button", { name: "Use theirs" }), "Use theirs");
      await expectUnclipped(bob, conflict.getByTestId("conflict-theirs"), "their version");
      await expectUnclipped(bob, conflict.getByTestId("conflict-mine"), "my version");
      await bob.screenshot({ path: `${SCREENS}/conflict-kpi-smallest.png` });

      const results = await new AxeBuilder({ page: bob })
        .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
        .analyze();
      const serious = results.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
      expect(serious).toEqual([]);

      await conflict.getByRole("button", { name: "Keep mine" }).click();
      await expect(conflict).toHaveCount(0);
      await expect(alice.locator('[data-widget-type="kpi"]').getByTestId("kpi-value")).toContainText("8");
    });
  });

  test("the share dialog suggests names as one types, and a role change is told to that user", async ({
    browser,
  }) => {
    await asAliceAndBob(browser, async (alice, bob) => {
      await createBoard(alice, "Sharing help");
      await alice.getByRole("button", { name: "Share" }).click();
      const share = alice.getByRole("dialog", { name: /Share/ });
      const name = share.getByRole("combobox", { name: "User name" });
      await name.fill("bo");
      const option = share.getByRole("option", { name: /^bob/ });
      await expect(option).toBeVisible();
      await alice.screenshot({ path: `${SCREENS}/share-suggestions.png` });
      await option.click();
      await expect(name).toHaveValue("bob");
      await share.getByRole("button", { name: "Share", exact: true }).click();
      await expect(share.getByTestId("member-bob")).toBeVisible();

      // Bob is elsewhere in the app; the owner makes him a viewer, then removes him.
      await share.getByLabel("Role of bob").selectOption("viewer");
      await expect(bob.getByText("alice made you a viewer of “Sharing help”")).toBeVisible();
      await share.getByRole("button", { name: "Remove bob" }).click();
      await expect(bob.getByText("alice removed you from “Sharing help”")).toBeVisible();
    });
  });
});
