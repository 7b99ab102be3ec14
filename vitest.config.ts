import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    include: ["{server,lib,components,bench,deploy,test}/**/*.test.ts"],
    exclude: ["node_modules/**", "e2e/**", "dist/**", ".next/**"],
    environment: "node",
    globalSetup: ["server/testing/global-setup.ts"],
    // Stops the PostgreSQL a test file's Redis-mode instances used (server/testing/test-database.ts).
    setupFiles: ["server/testing/setup-file.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start their own redis-server and servers; two cores cannot run many at once.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
