import { spawn, type ChildProcess } from "node:child_process";
import { SqlTokenStore } from "../auth/token-store.sql";
import { SqlUserStore } from "../auth/user-store.sql";
import { openDatabase } from "../db/open";
import { freePort } from "./free-port";
import { registerTestStores } from "./provision";
import { TEST_SECRET } from "./instance";
import { tempDir } from "./temp-dir";
import { withTestDatabase } from "./test-database";

export interface ProcessInstance {
  url: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Sends a signal to the whole process group. */
  signal(signal: NodeJS.Signals): void;
  output(): string;
  /** Kills the group if it is still running and removes its data folder. */
  stop(): Promise<void>;
}

/**
 * A real Pulseboard process (`node --import tsx server/index.ts`, API only) in its own process group. For crash
 * and drain tests, which need a process to kill.
 */
export async function startProcessInstance(
  givenEnv: Record<string, string>,
  opts: { port?: number } = {},
): Promise<ProcessInstance> {
  // With Redis, its data is in the test file's PostgreSQL unless the test names a DATABASE_URL.
  const env = await withTestDatabase(givenEnv);
  // A restarted instance can take its old port back, so that a balancer in front of it needs no change.
  const port = opts.port ?? (await freePort());
  const dir = await tempDir("pb-proc-");
  // tsx as a loader inside one node process: the tsx CLI is a second process that relays signals and
  // SIGKILLs a child that does not acknowledge one within 30 ms, which would turn a drain into a crash.
  const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "test",
      PORT: String(port),
      HOST: "127.0.0.1",
      AUTH_SECRET: TEST_SECRET,
      DATA_DIR: dir.path,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
      REDIS_KEY_PREFIX: "pbtest",
      ALLOWED_ORIGINS: "http://localhost:3000",
      PULSEBOARD_NO_PAGES: "true",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-8_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  const signal = (sig: NodeJS.Signals) => {
    if (!running()) return;
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // already gone
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!running()) throw new Error(`instance exited during startup: ${output}`);
    const status = await fetch(`${url}/api/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) {
      signal("SIGKILL");
      throw new Error(`instance did not become healthy: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // The test's credentials (`tokenFor`) are recorded in this instance's stores, as for in-process instances: its
  // database (SQLite in its data folder, shared with the process as `npm run users` shares it, or PostgreSQL).
  const database = await openDatabase(
    { url: env.DATABASE_URL, dataDir: env.DATA_DIR ?? dir.path },
    { migrate: false },
  );
  const unregister = registerTestStores({
    users: new SqlUserStore(database),
    tokens: new SqlTokenStore(database),
  });
  return {
    url,
    child,
    exited,
    signal,
    output: () => output,
    async stop() {
      signal("SIGKILL");
      await exited;
      unregister();
      await database.close();
      await dir.remove();
    },
  };
}
