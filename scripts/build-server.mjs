// Bundles the custom server and CLIs into dist/. Packages stay external: node_modules is shipped as is.
import { build } from "esbuild";

await build({
  entryPoints: {
    server: "server/index.ts",
    worker: "server/worker.ts",
    "cli/users": "server/cli/users.ts",
    "cli/token": "server/cli/token.ts",
    "cli/db": "server/cli/db.ts",
  },
  outdir: "dist",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: true,
  tsconfig: "tsconfig.json",
  logLevel: "warning",
});
