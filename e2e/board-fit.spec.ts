import { readFile } from "node:fs/promises";
import { expect, test, type Locator, type Page } from "@playwright/test";
import {
  addWidget,
  asAliceAndBob,
  createBoard,
  expectConnected,
  instanceUrl,
  shareWith,
  signIn,
} from "./helpers";

/** Elements that reach past the right edge of a phone's screen (none, when the layout fits). */
const overflowing = (page: Page, width: number) =>
  page.evaluate((w) => {
    const out: string[] = [];
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > w + 1 && !el.closest("[aria-hidden=true], .sr-only"))
        out.push(`${el.tagName.toLowerCase()}.${String(el.className).slice(0, 60)} → ${Math.round(r.right)}`);
    }
    return out.slice(0, 5);
  }, width);

const widgetIdOf = async (widget: Locator) =>
  (await widget.getAttribute("data-testid"))!.replace(/^widget-/, "");

/** Alice, signed in on the embedded instance, on a new board of this title. */
async function aliceOnNewBoard(page: Page, title: string) {
  await signIn(page, instanceUrl("embedded"), "alice");
  await createBoard(page, title);
  await expectConnected(page);
}

/** Opens the chart's import dialog. */
async function openImport(page: Page, chart: Locator) {
  await chart.getByRole("button", { name: "Chart actions" }).click();
  await page.getByRole("menuitem", { name: "Import CSV…" }).click();
  const dialog = page.getByRole("dialog", { name: "Import a CSV file" });
  await expect(dialog).toBeVisible();
  return dialog;
}

test.describe("a board that fits what it shows", () => {
  test("a new widget lands in the first free place across the grid, and one added below the fold is scrolled into view", async ({
    page,
  }) => {
    await aliceOnNewBoard(page, "Fit: placement");

    const note = await addWidget(page, "Note");
    const kpi = await addWidget(page, "KPI");
    // Beside the note, on the same row, rather than below it.
    const [n, k] = [(await note.boundingBox())!, (await kpi.boundingBox())!];
    expect(Math.abs(k.y - n.y)).toBeLessThan(2);
    expect(k.x).toBeGreaterThan(n.x + n.width);

    // Enough notes to fill the rows the window shows: the last one lands below them and is scrolled to.
    let last = kpi;
    for (let i = 0; i < 6; i++) last = await addWidget(page, "Note");
    await expect(last).toBeInViewport();
    const box = (await last.boundingBox())!;
    const top = await page.evaluate(() => window.scrollY);
    expect(top).toBeGreaterThan(0);
    expect(box.y).toBeGreaterThanOrEqual(0);
    await page.screenshot({ path: "e2e/.artifacts/board-fit-board.png" });
  });

  test("a chart tooltip shows the time and the value under the pointer, and the arrow keys move it", async ({
    page,
  }) => {
    await aliceOnNewBoard(page, "Fit: chart");
    const chart = await addWidget(page, "Live chart");
    const widgetId = await widgetIdOf(chart);

    // Three points a minute apart, ending a minute ago: the middle one is at the middle of the time axis.
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 3 * 60_000;
    const rows = [
      [start, 10],
      [start + 60_000, 50],
      [start + 120_000, 20],
    ];
    const dialog = await openImport(page, chart);
    await dialog.getByTestId(`csv-input-${widgetId}`).setInputFiles({
      name: "three.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(`time,value\n${rows.map((r) => r.join(",")).join("\n")}\n`),
    });
    await dialog.getByRole("button", { name: "Import", exact: true }).click();
    await expect(chart.getByTestId("chart-count")).toHaveAttribute("data-count", "3", { timeout: 30_000 });

    const plot = chart.locator(".u-over");
    const area = (await plot.boundingBox())!;
    await page.mouse.move(area.x + area.width / 2, area.y + area.height / 2);
    const tooltip = chart.getByTestId("chart-tooltip");
    await expect(tooltip).toBeVisible();
    await expect(tooltip).toHaveAttribute("data-time", String(start + 60_000));
    await expect(chart.getByTestId("chart-tooltip-value")).toHaveText("50");
    const expected = await page.evaluate(
      (t) =>
        new Date(t).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" }),
      start + 60_000,
    );
    await expect(chart.getByTestId("chart-tooltip-time")).toHaveText(expected);
    await page.screenshot({ path: "e2e/.artifacts/board-fit-chart-tooltip.png" });

    // From the keyboard: focus starts on the newest point, the left arrow moves to the one before.
    await page.mouse.move(0, 0);
    await chart.getByTestId("chart-plot").focus();
    await expect(tooltip).toHaveAttribute("data-time", String(start + 120_000));
    await page.keyboard.press("ArrowLeft");
    await expect(chart.getByTestId("chart-tooltip-value")).toHaveText("50");

    // The last 5 minutes still hold all three points; a range shows how many it holds.
    await chart.getByRole("button", { name: "5 min" }).click();
    await expect(chart.getByRole("button", { name: "5 min" })).toHaveAttribute("aria-pressed", "true");
    await expect(chart.getByTestId("chart-plot")).toHaveAttribute("aria-label", /^Chart of 3 points/);
  });

  test("a PNG chosen for CSV import is refused before any task starts, with a plain message", async ({
    page,
  }) => {
    await aliceOnNewBoard(page, "Fit: import");
    const chart = await addWidget(page, "Live chart");
    const widgetId = await widgetIdOf(chart);
    const uploads: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/tasks/csv-import")) uploads.push(r.url());
    });

    const dialog = await openImport(page, chart);
    await expect(dialog.getByTestId("csv-format")).toContainText("time,value");
    await dialog.getByTestId(`csv-input-${widgetId}`).setInputFiles({
      name: "photo.png",
      mimeType: "image/png",
      buffer: Buffer.from([
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
      ]),
    });
    await expect(dialog.getByRole("alert")).toHaveText(
      'photo.png: this file is a PNG image, not a CSV file; export the data as CSV (a "time" and a "value" column).',
    );
    await expect(dialog.getByRole("button", { name: "Import", exact: true })).toBeDisabled();
    await page.screenshot({ path: "e2e/.artifacts/board-fit-import-dialog.png" });
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();

    // Nothing was uploaded, and the board has no task.
    expect(uploads).toEqual([]);
    await page.getByTestId("board-tasks-button").click();
    await expect(page.getByRole("dialog", { name: "Tasks on this board" })).toContainText(
      "No tasks on this board yet",
    );
  });

  test("an export's notification downloads the file", async ({ page }) => {
    await aliceOnNewBoard(page, "Fit: export");
    await page.getByTestId("board-tasks-button").click();
    const panel = page.getByRole("dialog", { name: "Tasks on this board" });
    await panel.getByRole("button", { name: /Export the board/ }).click();
    await expect(panel.getByTestId("task-row").first().getByTestId("task-status")).toHaveText("Done", {
      timeout: 30_000,
    });
    await page.keyboard.press("Escape");

    await page.getByTestId("notification-bell").click();
    const item = page
      .getByTestId("notification-list")
      .getByRole("button")
      .filter({ hasText: "Export “Fit: export”: done" });
    await expect(item).toContainText("Download");
    const [file] = await Promise.all([page.waitForEvent("download"), item.click()]);
    expect(file.suggestedFilename()).toMatch(/\.json$/);
    const body = JSON.parse(await readFile((await file.path())!, "utf8")) as { board: { title: string } };
    expect(body.board.title).toBe("Fit: export");
  });

  test("on a phone, the notification list and a long title stay on screen", async ({ browser }) => {
    await asAliceAndBob(browser, async (alice, bob) => {
      const title =
        `Quarterly operations review for the northern region ${"and its partners ".repeat(4)}`.trim();
      await createBoard(alice, title);
      await expectConnected(alice);
      await shareWith(alice, "bob");

      await bob.setViewportSize({ width: 375, height: 740 });
      await bob.goto(`${instanceUrl("b")}/`);
      await expectConnected(bob);
      await bob.getByTestId("notification-bell").click();
      const panel = bob.getByTestId("notification-panel");
      const item = panel
        .getByTestId("notification-list")
        .getByRole("button")
        .filter({ hasText: "shared" })
        .first();
      await expect(item).toBeVisible();
      await expect(item).toBeInViewport({ ratio: 1 });
      const box = (await panel.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(375);
      // Nothing makes the page wider than the phone.
      expect(await overflowing(bob, 375)).toEqual([]);
      await bob.screenshot({ path: "e2e/.artifacts/board-fit-phone-notifications.png" });

      await item.click();
      await expect(bob).toHaveURL(/\/boards\//);
      await expect(bob.getByTestId("board-title")).toBeInViewport({ ratio: 1 });
      expect(await overflowing(bob, 375)).toEqual([]);
      await bob.screenshot({ path: "e2e/.artifacts/board-fit-phone-board.png" });
    });
  });
});
