import { expect, test as base, type Locator, type Page } from "@playwright/test";
import { addWidget, asAliceAndBob, createBoard, expectConnected, instanceUrl, shareWith } from "./helpers";

function csv(rows: number): string {
  const start = Date.UTC(2026, 10, 1);
  const lines = ["time,value"];
  for (let i = 0; i < rows; i++)
    lines.push(`${new Date(start + i * 60_000).toISOString()},${(50 + 30 * Math.sin(i / 20)).toFixed(2)}`);
  return `${lines.join("\n")}\n`;
}

interface SharedChart {
  alice: Page;
  bob: Page;
  /** Alice's chart widget, and its id. */
  chart: Locator;
  widgetId: string;
  /** The chart's point count as each of them sees it (`data-count`). */
  aliceCount: Locator;
  bobCount: Locator;
}

/** Alice (on instance A) made a board with an empty chart and shared it with bob, who has it open on B. */
const test = base.extend<{ shared: SharedChart }>({
  // `provide` is Playwright's `use`, renamed so that React's hook rules do not mistake it for a hook.
  shared: async ({ browser }, provide) => {
    await asAliceAndBob(browser, async (alice, bob) => {
      const path = await createBoard(alice, "Imported metrics");
      const chart = await addWidget(alice, "Live chart");
      const widgetId = (await chart.getAttribute("data-testid"))!.replace(/^widget-/, "");
      await shareWith(alice, "bob");
      await bob.goto(`${instanceUrl("b")}${path}`);
      await expectConnected(bob);
      const count = (page: Page) => page.getByTestId(`widget-${widgetId}`).getByTestId("chart-count");
      await expect(count(bob)).toHaveAttribute("data-count", "0");
      await provide({ alice, bob, chart, widgetId, aliceCount: count(alice), bobCount: count(bob) });
    });
  },
});

/** Picks a CSV file in the chart's import dialog, as alice, and starts the import. */
async function importCsv({ alice, chart, widgetId }: SharedChart, name: string, body: string): Promise<void> {
  await chart.getByRole("button", { name: "Chart actions" }).click();
  await alice.getByRole("menuitem", { name: "Import CSV…" }).click();
  const dialog = alice.getByRole("dialog", { name: "Import a CSV file" });
  await dialog.getByTestId(`csv-input-${widgetId}`).setInputFiles({
    name,
    mimeType: "text/csv",
    buffer: Buffer.from(body),
  });
  await expect(dialog.getByTestId("csv-file-ok")).toContainText(name);
  await dialog.getByRole("button", { name: "Import", exact: true }).click();
  await expect(dialog).toBeHidden();
}

test.describe("background tasks", () => {
  test("a user imports a CSV and watches it reach 100% while another user sees the chart fill", async ({
    shared,
  }) => {
    const { alice, widgetId, aliceCount, bobCount } = shared;
    await importCsv(shared, "latency.csv", csv(900));
    const strip = alice.getByTestId(`widget-task-${widgetId}`);
    await expect(strip.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "100", {
      timeout: 30_000,
    });
    await expect(strip.getByRole("progressbar")).toHaveAttribute("data-status", "completed");
    await expect(bobCount).toHaveAttribute("data-count", "900");
    await expect(aliceCount).toHaveAttribute("data-count", "900");

    // The task is listed with its result, and a bad file is refused with its lines, the chart unchanged.
    await alice.getByTestId("board-tasks-button").click();
    const panel = alice.getByRole("dialog", { name: "Tasks on this board" });
    await expect(panel.getByTestId("task-row").first()).toContainText("Imported 900 rows");
    await alice.keyboard.press("Escape");
    await importCsv(
      shared,
      "broken.csv",
      "time,value\n2026-11-01T00:00:00Z,1\nyesterday,2\n2026-11-01T00:02:00Z,lots\n",
    );
    await expect(strip).toContainText("Failed");
    await alice.getByTestId("board-tasks-button").click();
    await panel.getByText(/2 invalid lines/).click();
    await expect(panel.getByTestId("task-bad-lines")).toContainText("line 3");
    await expect(panel.getByTestId("task-bad-lines")).toContainText("line 4");
    await expect(bobCount).toHaveAttribute("data-count", "900");

    // Retry runs the same file again, from a fresh first attempt, failing the same way; then only the valid row
    // goes in.
    const failed = panel.getByTestId("task-row").first();
    await expect(failed.getByTestId("task-status")).toHaveText("Failed");
    await expect(failed).not.toContainText("attempt");
    const firstRun = (await failed.getAttribute("data-updated-at"))!;
    await failed.getByRole("button", { name: "Retry", exact: true }).click();
    await expect(failed).not.toHaveAttribute("data-updated-at", firstRun);
    await expect(failed.getByTestId("task-status")).toHaveText("Failed");
    await expect(failed).not.toContainText("attempt");
    await expect(failed.getByRole("alert")).toContainText("2 of 3 rows are invalid");
    await expect(failed.getByRole("alert")).toContainText("import the 1 valid row only");
    await failed.getByRole("button", { name: "Import the valid rows only" }).click();
    await expect(failed.getByTestId("task-status")).toHaveText("Done");
    await expect(failed).toContainText("Imported 1 row, skipped 2.");
    await expect(bobCount).toHaveAttribute("data-count", "901");
  });

  test("a user cancels a long import midway, the chart stops growing, and Retry finishes it without a duplicate", async ({
    shared,
  }) => {
    const { alice, widgetId, aliceCount, bobCount } = shared;
    // 2,000 rows at 200 a second (e2e/fixtures/stack.ts): about ten seconds of importing.
    await importCsv(shared, "long.csv", csv(2_000));
    const bar = alice.getByTestId(`widget-task-${widgetId}`).getByRole("progressbar");
    await expect
      .poll(async () => Number(await bar.getAttribute("aria-valuenow")), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(30);

    await alice.getByTestId("board-tasks-button").click();
    const panel = alice.getByRole("dialog", { name: "Tasks on this board" });
    const row = panel.getByTestId("task-row").first();
    await expect(row.getByTestId("task-status")).toHaveText(/^Running \d+%$/);
    await row.getByRole("button", { name: "Cancel" }).click();
    await expect(row.getByTestId("task-status")).toHaveText("Cancelled");
    await expect(row.getByRole("button", { name: "Cancel" })).toHaveCount(0);
    await expect(alice.getByTestId(`widget-task-${widgetId}`)).toHaveCount(0);

    // The import stopped partway, for both users, and stays stopped.
    await alice.waitForTimeout(1_000);
    const partial = Number(await aliceCount.getAttribute("data-count"));
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(2_000);
    await expect(bobCount).toHaveAttribute("data-count", String(partial));
    await alice.waitForTimeout(1_000);
    await expect(aliceCount).toHaveAttribute("data-count", String(partial));

    // Retry runs it again from the start; the batches already applied are recognised, so each row lands once.
    await row.getByRole("button", { name: "Retry", exact: true }).click();
    await expect(row.getByTestId("task-status")).toHaveText("Done", { timeout: 30_000 });
    await expect(row).toContainText(/Imported 2\D?000 rows\./);
    // A manual retry starts a fresh round of attempts rather than counting on from the cancelled run.
    await expect(row).not.toContainText("attempt");
    await expect(aliceCount).toHaveAttribute("data-count", "2000");
    await expect(bobCount).toHaveAttribute("data-count", "2000");
  });
});
