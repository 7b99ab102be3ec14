import { spawn, type ChildProcess } from "node:child_process";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, releasePort } from "./free-port";
import { killOnExit } from "./reap";

export interface RedisServerOptions {
  /** Append-only persistence, for tests that kill Redis and expect acknowledged writes back. */
  appendOnly?: boolean;
  extraArgs?: string[];
  /** An RDB file to start from: copied into the server's own folder as its `dump.rdb`, which Redis loads at start. */
  rdbFile?: string;
}

/**
 * A redis-server owned by one test file, on a free port, never the shared 6379. It can be killed and started
 * again on the same port and folder to simulate an outage.
 */
export class TestRedisServer {
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly opts: RedisServerOptions,
  ) {}

  static async start(opts: RedisServerOptions = {}): Promise<TestRedisServer> {
    const dir = await mkdtemp(join(tmpdir(), "pb-redis-"));
    if (opts.rdbFile) await copyFile(opts.rdbFile, join(dir, "dump.rdb"));
    for (let attempt = 0; ; attempt++) {
      const server = new TestRedisServer(await freePort(), dir, opts);
      try {
        await server.spawn();
        return server;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  private args(): string[] {
    const args = [
      "--port",
      String(this.port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--dir",
      this.dir,
      "--daemonize",
      "no",
    ];
    args.push("--appendonly", this.opts.appendOnly ? "yes" : "no");
    if (this.opts.appendOnly) args.push("--appendfsync", "always");
    return [...args, ...(this.opts.extraArgs ?? [])];
  }

  async spawn(): Promise<void> {
    const child = spawn("redis-server", this.args(), { stdio: ["ignore", "pipe", "pipe"] });
    killOnExit(child);
    this.child = child;
    let output = "";
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`redis-server exited: ${output.slice(-500)}`);
      if (await ping(this.port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill("SIGKILL");
    throw new Error(`redis-server did not start on ${this.port}: ${output.slice(-500)}`);
  }

  /** SIGKILL: no shutdown save, connections drop at once. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.spawn();
  }

  async stop(): Promise<void> {
    await this.kill();
    releasePort(this.port);
    await rm(this.dir, { recursive: true, force: true });
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}
