import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PIDS_DIR_ENV } from "./reap";

/** Vitest global setup: a folder where tests list the servers they start (redis-server, PostgreSQL), and a teardown that stops leftovers. */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "pb-test-pids-"));
  process.env[PIDS_DIR_ENV] = dir;
  return () => {
    for (const name of readdirSync(dir)) {
      const pid = Number(name);
      if (!Number.isInteger(pid)) continue; // the port reservations (free-port.ts)
      try {
        // Only a redis-server or a postmaster: a pid whose process ended may belong to something else by now.
        // A postmaster's backends exit by themselves once it is gone.
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        if (cmdline.includes("redis-server") || /postgres\0-D\0[^\0]*pb-pg-/.test(cmdline))
          process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
