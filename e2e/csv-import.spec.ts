import { expect, test } from "@playwright/test";
import { addWidget, createBoard, expectConnected, instanceUrl, signIn } from "./helpers";

function csv(rows: number): string {
  const start = Date.UTC(2026, 10, 1);
  const lines = ["time,value"];
  for (let i = 0; i < rows; i++)
    lines.push(`${new Date(start + i * 60_000).toISOString()},${(50 + 30 * Math.sin(i / 20)).toFixed(2)}`);
  return `${lines.join("\n")}\n`;
}

test.describe("CSV import limits", () => {
  test("an import larger than a chart holds says the chart kept only its newest points; a PNG is refused before the upload", async ({
    page,
  }) => {
    const url = instanceUrl("embedded");
    await signIn(page, url, "alice");
    await createBoard(page, "Big import");
    await expectConnected(page);
    const chart = await addWidget(page, "Live chart");
    const widgetId = (await chart.getAttribute("data-testid"))!.replace(/^widget-/, "");
    await chart.getByRole("button", { name: "Chart actions" }).click();
    await page.getByRole("menuitem", { name: "Import CSV…" }).click();
    const dialog = page.getByRole("dialog", { name: "Import a CSV file" });
    const pick = (name: string, mimeType: string, buffer: Buffer) =>
      dialog.getByTestId(`csv-input-${widgetId}`).setInputFiles({ name, mimeType, buffer });

    // A PNG renamed .csv: refused in the dialog with a plain sentence, before anything is uploaded.
    await pick(
      "chart.csv",
      "text/csv",
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    );
    await expect(dialog.getByRole("alert")).toHaveText(
      /^chart\.csv: this file is a PNG image, not a CSV file/,
    );
    await expect(dialog.getByRole("button", { name: "Import", exact: true })).toBeDisabled();

    await pick("history.csv", "text/csv", Buffer.from(csv(2_600)));
    await expect(dialog.getByTestId("csv-file-ok")).toContainText("columns time, value");
    await dialog.getByRole("button", { name: "Import", exact: true }).click();
    await expect(dialog).toBeHidden();
    const strip = page.getByTestId(`widget-task-${widgetId}`);
    await expect(strip).toContainText(
      "keeps only its newest 2,000 points, so 600 older points were dropped",
      {
        timeout: 30_000,
      },
    );
    await expect(chart.getByTestId("chart-count")).toHaveAttribute("data-count", "2000");

    await page.getByTestId("board-tasks-button").click();
    const panel = page.getByRole("dialog", { name: "Tasks on this board" });
    const row = panel.getByTestId("task-row").first();
    await expect(row).toContainText("Imported 2,600 rows.");
    await expect(row.getByTestId("task-chart-kept-newest")).toHaveText(
      "The chart keeps only its newest 2,000 points, so 600 older points were dropped.",
    );
    await page.screenshot({ path: "e2e/.artifacts/csv-import-kept-newest.png" });
  });
});
