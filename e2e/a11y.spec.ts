import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { addWidget, createBoard, expectConnected, instanceUrl, signIn } from "./helpers";

/** WCAG 2.0 and 2.1, levels A and AA. */
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

const PHONE = { width: 390, height: 844 };

/** Scans the page and fails on any serious or critical violation, listing each with the elements it hit. */
async function expectAccessible(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const found = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const report = found.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help}\n` +
      v.nodes
        .map((n) => `    ${n.target.join(" ")}\n      ${n.failureSummary?.replace(/\n/g, "\n      ")}`)
        .join("\n"),
  );
  expect.soft(report, `${what}: serious or critical accessibility violations`).toEqual([]);
}

/**
 * Records, on every animation frame from the start of each page load, the widest the document has been, so
 * that a layout that is too wide only for a moment (a grid laid out for a desktop, then shrunk) is caught too.
 */
async function trackWidestLayout(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { widestLayout: number };
    w.widestLayout = 0;
    const sample = () => {
      w.widestLayout = Math.max(w.widestLayout, document.documentElement.scrollWidth);
      requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
}

/** Nothing is, or was since the page loaded, wider than the viewport: the page never scrolls sideways. */
async function expectNoHorizontalOverflow(page: Page, what: string): Promise<void> {
  const { scrollWidth, widest, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    widest: (window as unknown as { widestLayout: number }).widestLayout,
    innerWidth: window.innerWidth,
  }));
  expect.soft(scrollWidth, `${what} scrolls sideways at ${innerWidth}px`).toBeLessThanOrEqual(innerWidth);
  expect.soft(widest, `${what} was wider than ${innerWidth}px while loading`).toBeLessThanOrEqual(innerWidth);
}

/** A board with one widget of each kind, open on the page; returns its path. */
async function boardWithEveryWidget(page: Page): Promise<string> {
  const path = await createBoard(page, "Accessibility review");
  for (const kind of ["Note", "KPI", "Checklist", "Live chart"] as const) await addWidget(page, kind);
  await expect(page.getByTestId("board-sync")).toHaveAttribute("data-pending", "0");
  const list = page.locator('[data-widget-type="checklist"]');
  await list.getByLabel("New item").fill("Check contrast");
  await list.getByLabel("New item").press("Enter");
  await expect(list.getByRole("checkbox", { name: "Check contrast" })).toBeVisible();
  return path;
}

test.describe("accessibility", () => {
  test("the sign-in page, the boards list, a board, tasks and admin have no serious WCAG A/AA violations", async ({
    page,
  }) => {
    const base = instanceUrl("a");
    await page.goto(`${base}/signin`);
    await expect(page.getByText("Demo users")).toBeVisible();
    await expectAccessible(page, "sign-in page");

    await signIn(page, base, "admin");
    await expectConnected(page);
    await boardWithEveryWidget(page);
    await expectAccessible(page, "board");

    await page.goto(`${base}/`);
    await expect(page.getByText("Accessibility review")).toBeVisible();
    await expectAccessible(page, "boards list");

    await page.goto(`${base}/tasks`);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectAccessible(page, "tasks page");

    await page.goto(`${base}/admin`);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectConnected(page);
    await expectAccessible(page, "admin page");

    await page.getByRole("tab", { name: "Audit" }).click();
    await expect(page.getByTestId("audit-table").locator("tbody tr").first()).toBeVisible();
    await expectAccessible(page, "admin audit tab");
  });

  test("widgets move and resize from the keyboard, and the change is the board's, not the page's", async ({
    page,
  }) => {
    const base = instanceUrl("a");
    await signIn(page, base, "alice");
    await expectConnected(page);
    const path = await createBoard(page, "Keyboard layout");
    await addWidget(page, "Note");
    await addWidget(page, "KPI");
    const note = page.locator('[data-widget-type="note"]');
    const kpi = page.locator('[data-widget-type="kpi"]');
    const box = async (l: typeof note) => (await l.boundingBox())!;
    // Placed beside the note at first, in the first free place of the row.
    const [k0, n0] = [await box(kpi), await box(note)];
    expect(Math.abs(k0.y - n0.y)).toBeLessThan(2);
    expect(k0.x).toBeGreaterThan(n0.x + n0.width);

    // Moved left into the note's place, it pushes the note down.
    const handle = kpi.getByRole("button", { name: /^Move widget/ });
    await handle.focus();
    await handle.press("ArrowLeft");
    await expect(page.getByTestId("grid-announcement")).toHaveText("column 4, row 1");
    for (const column of [3, 2, 1]) {
      await handle.press("ArrowLeft");
      await expect(page.getByTestId("grid-announcement")).toHaveText(`column ${column}, row 1`);
    }
    await handle.press("ArrowRight");
    await expect(page.getByTestId("grid-announcement")).toHaveText("column 2, row 1");
    await handle.press("Shift+ArrowRight");
    await expect(page.getByTestId("grid-announcement")).toHaveText("4 columns wide, 4 rows tall");
    await expect(handle).toBeFocused();
    await expect(page.getByTestId("board-sync")).toHaveAttribute("data-pending", "0");
    await page.screenshot({ path: "e2e/.artifacts/keyboard-layout.png" });

    await page.goto(`${base}${path}`);
    await expect(kpi).toBeVisible();
    await expect
      .poll(async () => {
        const [k, n] = [await box(kpi), await box(note)];
        return { kpiAbove: k.y < n.y, kpiRight: k.x > n.x, sameWidth: Math.abs(k.width - n.width) < 2 };
      })
      .toEqual({ kpiAbove: true, kpiRight: true, sameWidth: true });
  });

  test("the boards list and a board fit a phone screen", async ({ browser }) => {
    const base = instanceUrl("a");
    const ctx = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, hasTouch: true });
    const page = await ctx.newPage();
    await trackWidestLayout(page);
    try {
      await signIn(page, base, "alice");
      const path = await boardWithEveryWidget(page);

      await page.goto(`${base}${path}`);
      await expect(page.locator('[data-widget-type="chart"]')).toBeVisible();
      // Straight away: the grid must not lay out for a wide screen first and then shrink.
      await expectNoHorizontalOverflow(page, "the board");
      await page.screenshot({ path: "e2e/.artifacts/a11y-phone-board.png", fullPage: true });
      await expectAccessible(page, "board on a phone");

      await page.goto(`${base}/`);
      await expect(page.getByText("Accessibility review").first()).toBeVisible();
      await expectNoHorizontalOverflow(page, "the boards list");
      await page.screenshot({ path: "e2e/.artifacts/a11y-phone-boards.png", fullPage: true });
      await expectAccessible(page, "boards list on a phone");
    } finally {
      await ctx.close();
    }
  });
});
