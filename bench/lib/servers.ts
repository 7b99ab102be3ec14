import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "../../server/testing/free-port";
import { tempDir } from "../../server/testing/temp-dir";
import { raiseFdLimit } from "./proc";

export interface BenchServer {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export const BENCH_SECRET = "bench-secret-bench-secret-bench-secret-0123456789";

/** Keeps a server's last output, and says so loudly when it dies before the benchmark stops it. */
function track(name: string, child: ChildProcess): { output: () => string; exited: Promise<void> } {
  let output = "";
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-8_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      if (signal !== "SIGKILL" && signal !== "SIGTERM" && code !== 0)
        console.error(`${name} exited (${code ?? signal}):\n${output}`);
      resolve();
    }),
  );
  return { output: () => output, exited };
}

async function stopChild(child: ChildProcess, exited: Promise<void>, graceful = false): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // A profiled process writes its profile on a clean exit only: SIGTERM drains and exits.
  child.kill(graceful ? "SIGTERM" : "SIGKILL");
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

/** `profileDir`: write a CPU profile there at exit, sampled every `profileIntervalUs` (V8's default: 1,000). */
export interface ProfileOptions {
  profileDir?: string;
  profileIntervalUs?: number;
}

function profileArgs({ profileDir, profileIntervalUs }: ProfileOptions): string[] {
  if (!profileDir) return [];
  const interval = profileIntervalUs ? [`--cpu-prof-interval=${profileIntervalUs}`] : [];
  return ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, ...interval];
}

/** A reference server from bench/servers/, ready once it prints its port. */
export async function startReference(
  name: string,
  entry: string,
  env: Record<string, string> = {},
  opts: ProfileOptions & { fdLimit?: number } = {},
): Promise<BenchServer> {
  const profile = profileArgs(opts);
  const child = spawn(process.execPath, [...profile, "--import", "tsx", entry], {
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const { output, exited } = track(name, child);
  if (opts.fdLimit) raiseFdLimit(child.pid!, opts.fdLimit);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${output()}`)), 30_000);
    child.stdout!.on("data", () => {
      const m = /listening (\d+)/.exec(output());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then(() => reject(new Error(`${name} exited: ${output()}`)));
  });
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () => stopChild(child, exited, opts.profileDir !== undefined),
  };
}

/** What a Pulseboard instance runs on: Redis and PostgreSQL, or embedded (SQLite in its data folder, no Redis). */
export type Backing = { redisUrl: string; databaseUrl: string } | { dataDir: string };

export interface PulseboardOptions extends ProfileOptions {
  /** Another build of the server to run (an A/B against an earlier commit), dist/server.js by default. */
  bundle?: string;
  /** More environment, e.g. BOARD_OP_BATCH_MS or OUTBOUND_BUFFER_MAX_BYTES for a scenario. */
  env?: Record<string, string>;
  /** Open files the instance may hold (raised with prlimit once it runs); one per connection. */
  fdLimit?: number;
}

/**
 * A Pulseboard instance from the production bundle (dist/server.js), API only: the benchmark loads no pages. With
 * Redis it runs as in production: Redis for distribution, PostgreSQL (`databaseUrl`) as the system of record, so
 * every acknowledged op has been committed there. Embedded, it has neither: SQLite in `dataDir`, which the caller
 * provisioned (users, tokens) before. Rate limits are raised so that the publisher, one socket sending hundreds of
 * ops a second, is not refused.
 */
export async function startPulseboard(
  name: string,
  backing: Backing,
  opts: PulseboardOptions = {},
): Promise<BenchServer> {
  const port = await freePort();
  const dir = "dataDir" in backing ? undefined : await tempDir("pb-bench-");
  const profile = profileArgs(opts);
  const child = spawn(
    process.execPath,
    [...profile, "--enable-source-maps", opts.bundle ?? "dist/server.js"],
    {
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "production",
        PORT: String(port),
        HOST: "127.0.0.1",
        ...("dataDir" in backing
          ? { DATA_DIR: backing.dataDir }
          : { REDIS_URL: backing.redisUrl, DATABASE_URL: backing.databaseUrl, DATA_DIR: dir!.path }),
        AUTH_SECRET: BENCH_SECRET,
        INSTANCE_ID: name,
        LOG_LEVEL: "warn",
        PULSEBOARD_NO_PAGES: "true",
        MAX_CONNECTIONS_PER_USER: "10000",
        RATE_LIMIT_EVENTS_PER_SEC: "100000",
        RATE_LIMIT_BURST: "100000",
        SHUTDOWN_TIMEOUT_MS: "2000",
        ...opts.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const { output, exited } = track(name, child);
  if (opts.fdLimit) raiseFdLimit(child.pid!, opts.fdLimit);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited during startup: ${output()}`);
    const status = await fetch(`${url}/api/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) throw new Error(`${name} did not become healthy: ${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name,
    url,
    pid: child.pid!,
    async stop() {
      await stopChild(child, exited, opts.profileDir !== undefined);
      await dir?.remove();
    },
  };
}
