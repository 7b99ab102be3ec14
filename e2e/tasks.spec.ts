import { expect, test } from "@playwright/test";
import { addWidget, createBoard, expectConnected, instanceUrl, shareWith, signIn } from "./helpers";

function csv(rows: number): string {
  const start = Date.UTC(2026, 10, 1);
  const lines = ["time,value"];
  for (let i = 0; i < rows; i++)
    lines.push(`${new Date(start + i * 60_000).toISOString()},${(50 + 30 * Math.sin(i / 20)).toFixed(2)}`);
  return `${lines.join("\n")}\n`;
}

test.describe("background tasks", () => {
  test("a user imports a CSV and watches it reach 100% while another user sees the chart fill", async ({
    browser,
  }) => {
    const aliceCtx = await browser.newContext();
    const bobCtx = await browser.newContext();
    const alice = await aliceCtx.newPage();
    const bob = await bobCtx.newPage();
    try {
      await signIn(alice, instanceUrl("a"), "alice");
      const path = await createBoard(alice, "Imported metrics");
      const chart = await addWidget(alice, "Live chart");
      const widgetId = (await chart.getAttribute("data-testid"))!.replace(/^widget-/, "");
      await shareWith(alice, "bob");

      await signIn(bob, instanceUrl("b"), "bob");
      await bob.goto(`${instanceUrl("b")}${path}`);
      await expectConnected(bob);
      await expect(bob.getByTestId(`widget-${widgetId}`).getByTestId("chart-count")).toHaveAttribute(
        "data-count",
        "0",
      );

      await chart.getByRole("button", { name: "Chart actions" }).click();
      await alice.getByTestId(`csv-input-${widgetId}`).setInputFiles({
        name: "latency.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(csv(900)),
      });
      const strip = alice.getByTestId(`widget-task-${widgetId}`);
      await expect(strip.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "100", {
        timeout: 30_000,
      });
      await expect(strip.getByRole("progressbar")).toHaveAttribute("data-status", "completed");
      await expect(bob.getByTestId(`widget-${widgetId}`).getByTestId("chart-count")).toHaveAttribute(
        "data-count",
        "900",
      );
      await expect(alice.getByTestId(`widget-${widgetId}`).getByTestId("chart-count")).toHaveAttribute(
        "data-count",
        "900",
      );

      // The task is listed with its result, and a bad file is refused with its lines, the chart unchanged.
      await alice.getByTestId("board-tasks-button").click();
      const panel = alice.getByRole("dialog", { name: "Tasks on this board" });
      await expect(panel.getByTestId("task-row").first()).toContainText("Imported 900 rows");
      await alice.keyboard.press("Escape");
      await chart.getByRole("button", { name: "Chart actions" }).click();
      await alice.getByTestId(`csv-input-${widgetId}`).setInputFiles({
        name: "broken.csv",
        mimeType: "text/csv",
        buffer: Buffer.from("time,value\n2026-11-01T00:00:00Z,1\nyesterday,2\n2026-11-01T00:02:00Z,lots\n"),
      });
      await expect(strip).toContainText("Failed");
      await alice.getByTestId("board-tasks-button").click();
      await panel.getByText(/2 invalid lines/).click();
      await expect(panel.getByTestId("task-bad-lines")).toContainText("line 3");
      await expect(panel.getByTestId("task-bad-lines")).toContainText("line 4");
      await expect(bob.getByTestId(`widget-${widgetId}`).getByTestId("chart-count")).toHaveAttribute(
        "data-count",
        "900",
      );
    } finally {
      await aliceCtx.close();
      await bobCtx.close();
    }
  });
});
