import type { ChildProcess } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Set by `global-setup.ts`: a folder with one file per live redis-server that a test started, named by pid. */
export const PIDS_DIR_ENV = "PB_TEST_PIDS_DIR";

/**
 * Makes sure `child` does not outlive the test run when the test that started it fails before stopping it: the
 * run's global teardown kills what is still listed. A redis-server left behind would hold its port and memory.
 */
export function killOnExit(child: ChildProcess): void {
  const dir = process.env[PIDS_DIR_ENV];
  if (!dir || child.pid === undefined) return;
  const file = join(dir, String(child.pid));
  writeFileSync(file, "");
  child.once("exit", () => rmSync(file, { force: true }));
}

/**
 * The same for a server that daemonizes (PostgreSQL's postmaster, started by `pg_ctl`): listed by pid until
 * `unlistPid`, and killed by the global teardown if still listed.
 */
export function listPid(pid: number): void {
  const dir = process.env[PIDS_DIR_ENV];
  if (dir) writeFileSync(join(dir, String(pid)), "");
}

export function unlistPid(pid: number): void {
  const dir = process.env[PIDS_DIR_ENV];
  if (dir) rmSync(join(dir, String(pid)), { force: true });
}
