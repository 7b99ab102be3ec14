/**
 * How long a board takes to show its widgets when opened from a link: a fresh browser context (cold cache, signed
 * in), `page.goto(board URL)`, and the time from the start of navigation to the first frame painted after the
 * first widget entered the page. Runs against the production build (`npm run build` first) on one embedded
 * instance that this script starts and stops.
 *
 *   npx tsx bench/board-open.ts [--runs 9] [--widgets 6]
 *
 * Not a test: the figures depend on the machine. Prints every run and the median.
 */
import { parseArgs } from "node:util";
import { chromium, type Page } from "@playwright/test";
import { startServer } from "../e2e/fixtures/stack";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "9" },
    widgets: { type: "string", default: "6" },
  },
});
const RUNS = Number(values.runs);
const WIDGETS = Number(values.widgets);

/** Installed before any page script: records when the first widget is in the page and a frame was painted. */
const FIRST_WIDGET_PROBE = `
(() => {
  const done = (t) => { window.__firstWidgetMs = t; };
  const check = () => {
    if (window.__firstWidgetMs !== undefined || !document.querySelector('[data-widget-type]')) return false;
    requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now())));
    return true;
  };
  const obs = new MutationObserver(() => { if (check()) obs.disconnect(); });
  obs.observe(document, { childList: true, subtree: true });
  // When the socket is opened and connected, for the breakdown.
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      window.__wsCreatedMs ??= performance.now();
      this.addEventListener("open", () => { window.__wsOpenMs ??= performance.now(); });
    }
  };
})();
`;

interface Breakdown {
  html: number;
  domReady: number;
  wsCreated: number;
  wsOpen: number;
  firstWidget: number;
}

async function signIn(page: Page, base: string) {
  await page.goto(`${base}/signin`);
  await page.getByLabel("User name").fill("alice");
  await page.getByLabel("Password").fill("pulseboard");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByTestId("user-name").waitFor();
}

async function makeBoard(page: Page): Promise<string> {
  await page.getByRole("button", { name: "New board" }).click();
  await page.getByRole("dialog", { name: "New board" }).getByLabel("Title").fill("Open speed");
  await page.getByRole("button", { name: "Create board" }).click();
  await page.waitForURL(/\/boards\/[A-Za-z0-9_-]+$/);
  const kinds = ["Note", "KPI", "Checklist"];
  for (let i = 0; i < WIDGETS; i++) {
    const count = await page.locator("[data-widget-type]").count();
    await page.getByRole("button", { name: "Add widget" }).click();
    await page.getByRole("menuitem", { name: new RegExp(`^${kinds[i % kinds.length]}`) }).click();
    await page.locator("[data-widget-type]").nth(count).waitFor();
  }
  await page.locator('[data-testid="board-sync"][data-pending="0"]').waitFor();
  return page.url();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.PLAYWRIGHT_CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
  const server = await startServer("board-open", { SEED_DEMO_USERS: "true", LOG_LEVEL: "warn" }).catch(
    async (err: unknown) => {
      await browser.close();
      throw err;
    },
  );
  try {
    const setup = await browser.newContext();
    const page = await setup.newPage();
    await signIn(page, server.url);
    const boardUrl = await makeBoard(page);
    const storageState = await setup.storageState();
    await setup.close();

    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const ctx = await browser.newContext({ storageState });
      await ctx.addInitScript(FIRST_WIDGET_PROBE);
      const p = await ctx.newPage();
      await p.goto(boardUrl, { waitUntil: "commit" });
      await p.waitForFunction(
        () => (window as { __firstWidgetMs?: number }).__firstWidgetMs !== undefined,
        null,
        {
          timeout: 30_000,
        },
      );
      const b: Breakdown = await p.evaluate(() => {
        const w = window as unknown as Record<string, number>;
        const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
        return {
          html: nav.responseEnd,
          domReady: nav.domContentLoadedEventEnd,
          wsCreated: w.__wsCreatedMs ?? NaN,
          wsOpen: w.__wsOpenMs ?? NaN,
          firstWidget: w.__firstWidgetMs!,
        };
      });
      samples.push(b.firstWidget);
      const f = (x: number) => x.toFixed(0).padStart(5);
      console.log(
        `run ${i + 1}: first widget ${f(b.firstWidget)} ms | html ${f(b.html)}, DOM ready ${f(b.domReady)}, ` +
          `socket opened ${f(b.wsCreated)}, connected ${f(b.wsOpen)}`,
      );
      await ctx.close();
    }
    console.log(
      `navigation to first widget painted, ${RUNS} runs, ${WIDGETS} widgets: median ${median(samples).toFixed(0)} ms` +
        ` (min ${Math.min(...samples).toFixed(0)}, max ${Math.max(...samples).toFixed(0)})`,
    );
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
