// `npm start`: the production server. A fresh clone has no build yet, so build first when one is missing.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const distDir = process.env.NEXT_DIST_DIR || ".next";
if (!existsSync(`${distDir}/BUILD_ID`) || !existsSync("dist/server.js")) {
  console.error("No production build found; building first (about a minute)...");
  const result = spawnSync("npm", ["run", "build"], {
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
process.env.NODE_ENV = "production";
await import("../dist/server.js");
