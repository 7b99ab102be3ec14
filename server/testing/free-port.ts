import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { PIDS_DIR_ENV } from "./reap";

function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function reservations(): string | undefined {
  const dir = process.env[PIDS_DIR_ENV];
  if (!dir) return undefined;
  const ports = join(dir, "ports");
  mkdirSync(ports, { recursive: true });
  return ports;
}

/**
 * A port nothing listens on now, and that no other test of this run holds. A test that kills its redis-server and
 * starts it again on the same port leaves that port free in between: without the reservation, another test file
 * running alongside could start its own server there, and the first test's clients would reconnect to a stranger
 * (an empty Redis, in which every token looks revoked). Reservations last until `releasePort` or the end of the run.
 */
export async function freePort(): Promise<number> {
  const dir = reservations();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await ephemeralPort();
    if (!dir) return port;
    try {
      writeFileSync(join(dir, String(port)), "", { flag: "wx" });
      return port;
    } catch {
      // Held by another test of this run, possibly while its server is down: pick another.
    }
  }
  throw new Error("no free port that no other test holds");
}

/** Gives a port back once its server is stopped for good. */
export function releasePort(port: number): void {
  const dir = reservations();
  if (dir) rmSync(join(dir, String(port)), { force: true });
}
