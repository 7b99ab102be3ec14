import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "./config";

export interface ResolvedSecret {
  secret: string;
  /** True when this call created the secret, so the caller can warn about it. */
  generated: boolean;
}

/**
 * The auth secret: from the environment, else (embedded mode only) the one kept in the data folder, created on
 * first start. Keeping it means sessions and API tokens survive restarts.
 */
export async function resolveSecret(
  config: Pick<Config, "authSecret" | "dataDir" | "mode">,
): Promise<ResolvedSecret> {
  if (config.authSecret) return { secret: config.authSecret, generated: false };
  if (config.mode !== "embedded") throw new Error("AUTH_SECRET is required in Redis mode");
  const file = join(config.dataDir, "auth-secret");
  try {
    const kept = (await readFile(file, "utf8")).trim();
    if (kept.length >= 32) return { secret: kept, generated: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString("base64url");
  // "wx" loses the race gracefully when two processes start at once: the loser reads the winner's secret.
  try {
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return { secret, generated: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return { secret: (await readFile(file, "utf8")).trim(), generated: false };
  }
}
