#!/usr/bin/env node
// The first step of `npm test`: the programs the tests run that npm cannot install. Each test starts its own
// redis-server (and, for the database tests, its own PostgreSQL cluster) on a free port, and Playwright drives
// Debian's Chromium (browser downloads are not used). What is
// missing is installed from Debian's packages when this user may (root, or sudo without a password); otherwise the
// run stops here, in its first second, with the one command to run.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";

const chromium = process.env.PLAYWRIGHT_CHROMIUM_PATH ?? "/usr/bin/chromium";

/** [what the tests need, the Debian package that brings it, whether it is there] */
const needs = [
  ["Chromium for the browser tests", "chromium", () => executable(chromium)],
  [
    "redis-server for the integration tests",
    "redis-server",
    () => onPath("redis-server") && onPath("redis-cli"),
  ],
  ["PostgreSQL's server programs for the database tests", "postgresql", () => postgresPresent()],
];

/** initdb and pg_ctl where server/testing/postgres.ts looks for them: `PG_BIN`, or any major Debian installed. */
function postgresPresent() {
  if (process.env.PG_BIN) return executable(join(process.env.PG_BIN, "initdb"));
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return false;
  return readdirSync(root).some((major) => executable(join(root, major, "bin", "initdb")));
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name) {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => dir && executable(join(dir, name)));
}

const missing = needs.filter(([, , present]) => !present());
if (missing.length === 0) process.exit(0);

const packages = missing.map(([, pkg]) => pkg);
const command = `sudo apt-get update && sudo apt-get install -y ${packages.join(" ")}`;
const what = missing.map(([need]) => need).join(" and ");

function run(argv) {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  return spawnSync(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "inherit"], env }).status === 0;
}

const root = typeof process.getuid === "function" && process.getuid() === 0;
const sudo = !root && onPath("sudo") && run(["sudo", "-n", "true"]);
const mayInstall = process.env.PULSEBOARD_TEST_INSTALL !== "false" && onPath("apt-get") && (root || sudo);

if (!mayInstall) {
  console.error(`npm test needs ${what}, which are not installed. Run: ${command}`);
  process.exit(1);
}

const prefix = root ? [] : ["sudo", "-n"];
console.log(`Installing ${packages.join(", ")} from Debian's packages (${what})...`);
if (
  !run([...prefix, "apt-get", "update", "-qq"]) ||
  !run([...prefix, "apt-get", "install", "-y", "-qq", ...packages])
) {
  console.error(`Installing ${packages.join(" ")} failed. Run: ${command}`);
  process.exit(1);
}
const still = missing.filter(([, , present]) => !present());
if (still.length > 0) {
  console.error(
    `${still.map(([need]) => need).join(" and ")} still missing after the install. Run: ${command}`,
  );
  process.exit(1);
}
