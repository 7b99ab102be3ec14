import { expect, test } from "@playwright/test";
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../server/testing/free-port";
import { LOG_DIR } from "./fixtures/stack";

/**
 * `npm start` on a fresh clone: `scripts/start.mjs` with nothing set but the port, the interface and the data
 * folder. No AUTH_SECRET and no REDIS_URL, so it runs embedded and makes its own secret.
 */
test("npm start with no environment serves sign-in and health, keeps a generated secret, and stops on SIGTERM", async ({
  page,
}) => {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), "pb-e2e-start-"));
  const url = `http://localhost:${port}`;
  // Deliberately no NODE_ENV either: start.mjs sets it.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    PORT: String(port),
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
  };
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    env: env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  mkdirSync(LOG_DIR, { recursive: true });
  const log = createWriteStream(join(LOG_DIR, "npm-start.log"), { flags: "w" });
  let output = "";
  const keep = (d: Buffer) => {
    output += d.toString();
    log.write(d);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  try {
    await expect
      .poll(
        async () => {
          if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}: ${output}`);
          return fetch(`${url}/api/health`).then(
            (res) => res.status,
            () => 0,
          );
        },
        { timeout: 30_000, intervals: [100] },
      )
      .toBe(200);

    const home = await fetch(`${url}/`);
    expect(home.status).toBe(200);
    expect(new URL(home.url).pathname).toBe("/signin");
    await page.goto(`${url}/`);
    await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

    const secretFile = join(dataDir, "auth-secret");
    const secret = (await readFile(secretFile, "utf8")).trim();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
    const warnings = output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((entry) => entry.level === 40);
    expect(warnings.map((w) => w.msg)).toContain(
      "AUTH_SECRET is not set; generated one and kept it in the data folder",
    );
    // No published demo password in production: no users, and one line saying how to create the first admin.
    expect(warnings.map((w) => w.msg).filter((m) => m.startsWith("no users yet"))).toEqual([
      "no users yet; create the first admin with: npm run users -- add <name> --admin (or start with SEED_DEMO_USERS=true for the demo users)",
    ]);
    const meta = (await (await fetch(`${url}/api/meta`)).json()) as { demo: unknown; noUsers: boolean };
    expect(meta).toMatchObject({ demo: null, noUsers: true });
    await expect(page.getByRole("heading", { name: "No accounts yet" })).toBeVisible();
    expect(output).not.toContain(secret);

    child.kill("SIGTERM");
    const exit = await Promise.race([
      exited,
      new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 15_000)),
    ]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(output).toContain('"msg":"shutdown complete"');
  } finally {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    log.end();
    await rm(dataDir, { recursive: true, force: true });
  }
});
