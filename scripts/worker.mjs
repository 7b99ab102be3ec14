// `npm run worker`: the built worker in production (NODE_ENV=production and a build present), else from source.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";

if (process.env.NODE_ENV === "production" && existsSync("dist/worker.js")) {
  await import("../dist/worker.js");
} else {
  const child = spawn("node_modules/.bin/tsx", ["server/worker.ts"], { stdio: "inherit" });
  for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
