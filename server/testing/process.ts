import { spawn, type ChildProcess } from "node:child_process";

export interface ManagedProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves when `pattern` appears in the output. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Signals the whole process group (tsx runs node as a child) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs a TypeScript entry point with tsx in its own process group, capturing its output. */
export function spawnTs(entry: string, env: Record<string, string | undefined>): ManagedProcess {
  const child = spawn("node_modules/.bin/tsx", [entry], {
    env: { PATH: process.env.PATH, NODE_ENV: "test", ...env } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  const listeners = new Set<() => void>();
  const collect = (d: Buffer) => {
    out = (out + d.toString()).slice(-100_000);
    for (const l of listeners) l();
    if (process.env.TEST_PROCESS_OUTPUT) process.stderr.write(d);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => out,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(out)) {
            cleanup();
            resolve();
          } else if (child.exitCode !== null) {
            cleanup();
            reject(new Error(`process exited (${child.exitCode}) before ${pattern}: ${out.slice(-2000)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}: ${out.slice(-2000)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then(check);
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          // already gone
        }
      }
      return exited;
    },
  };
}
