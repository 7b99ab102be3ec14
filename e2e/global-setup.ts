import { existsSync } from "node:fs";
import { findSecretsInLogs, startStack } from "./fixtures/stack";

/** Starts the servers once for the whole run; specs find them through the E2E_* variables. */
export default async function globalSetup() {
  if (!existsSync("dist/server.js") || !existsSync(".next/BUILD_ID")) {
    throw new Error("e2e runs against the production build: run `npm run build` first");
  }
  const stack = await startStack();
  process.env.E2E_EMBEDDED_URL = stack.embedded.url;
  process.env.E2E_A_URL = stack.a.url;
  process.env.E2E_B_URL = stack.b.url;
  process.env.E2E_REDIS_URL = stack.redis.url;
  process.env.E2E_DATABASE_URL = stack.databaseUrl;
  return async () => {
    await stack.stop();
    const leaks = await findSecretsInLogs();
    if (leaks.length > 0) throw new Error(`secrets in the server logs:\n${leaks.join("\n")}`);
  };
}
