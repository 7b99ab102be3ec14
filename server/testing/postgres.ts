import { execFile } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { chown, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort, releasePort } from "./free-port";
import { listPid, unlistPid } from "./reap";

const run = promisify(execFile);

export interface TestPostgresOptions {
  /**
   * fsync and full-page writes, as in production: on for tests that kill PostgreSQL and expect every
   * acknowledged commit back. Off (the default) only speeds up tests that never crash it.
   */
  fsync?: boolean;
}

/** Where Debian's `postgresql` package puts the server binaries: the newest major, or `PG_BIN`. */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0)
    throw new Error("PostgreSQL server binaries not found: apt-get install -y postgresql, or set PG_BIN");
  return join(root, majors[0]!, "bin");
}

const asRoot = () => process.getuid?.() === 0;

/**
 * A throwaway PostgreSQL cluster owned by one test file: `initdb` in a temp folder, the server on a free port
 * (never the machine's 5432), reachable over TCP on 127.0.0.1 and a socket in that folder. It can be killed with
 * SIGKILL and started again on the same port and data to simulate a crash. `initdb` refuses to run as root, so as
 * root every server binary runs as the `postgres` user (`runuser`), which Debian's package creates.
 */
export class TestPostgres {
  private postmaster?: number;
  private databases = 0;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly bin: string,
    private readonly opts: TestPostgresOptions,
  ) {}

  static async start(opts: TestPostgresOptions = {}): Promise<TestPostgres> {
    const bin = binDir();
    const dir = await mkdtemp(join(tmpdir(), "pb-pg-"));
    try {
      if (asRoot()) await chown(dir, ...(await postgresIds()));
      const server = new TestPostgres(0, dir, bin, opts);
      await server.exec("initdb", ["-D", server.data, "-U", "postgres", "--auth=trust", "-N", "-E", "UTF8"]);
      await mkdir(join(dir, "run"), { recursive: true });
      if (asRoot()) await chown(join(dir, "run"), ...(await postgresIds()));
      for (let attempt = 0; ; attempt++) {
        const started = new TestPostgres(await freePort(), dir, bin, opts);
        try {
          await started.spawn();
          return started;
        } catch (err) {
          releasePort(started.port);
          if (attempt >= 3) throw err;
        }
      }
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  private get data(): string {
    return join(this.dir, "data");
  }

  /** The `postgres` database; `createDatabase` gives each test one of its own. */
  get url(): string {
    return this.urlOf("postgres");
  }

  urlOf(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get running(): boolean {
    return this.postmaster !== undefined && alive(this.postmaster);
  }

  private async exec(tool: string, args: string[]): Promise<string> {
    const file = join(this.bin, tool);
    const [cmd, argv] = asRoot() ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args];
    try {
      const { stdout } = await run(cmd, argv, { cwd: this.dir, timeout: 60_000 });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${tool} failed: ${(e.stderr ?? e.message).slice(-800)}`, { cause: err });
    }
  }

  /** Starts the server on its port and data folder, and waits until it accepts connections. */
  async spawn(): Promise<void> {
    const durable = this.opts.fsync ? "on" : "off";
    const options = [
      `-p ${this.port}`,
      `-k ${join(this.dir, "run")}`,
      "-c listen_addresses=127.0.0.1",
      `-c fsync=${durable}`,
      `-c full_page_writes=${durable}`,
      "-c max_connections=50",
    ].join(" ");
    // Right after a SIGKILL the old postmaster may linger as a zombie until PID 1 reaps it, and PostgreSQL would
    // take its lock files for a live server's. Lock files whose process is dead or a zombie are stale.
    const pidFile = join(this.data, "postmaster.pid");
    if (existsSync(pidFile) && !alive(Number(readFileSync(pidFile, "utf8").split("\n")[0]))) {
      const socket = join(this.dir, "run", `.s.PGSQL.${this.port}`);
      await Promise.all([pidFile, socket, `${socket}.lock`].map((f) => rm(f, { force: true })));
    }
    try {
      await this.exec("pg_ctl", [
        "-D",
        this.data,
        "-o",
        options,
        "-l",
        join(this.dir, "log"),
        "-w",
        "-t",
        "30",
        "start",
      ]);
    } catch (err) {
      const log = existsSync(join(this.dir, "log"))
        ? readFileSync(join(this.dir, "log"), "utf8").slice(-800)
        : "";
      throw new Error(`${(err as Error).message}\n${log}`, { cause: err });
    }
    this.postmaster = Number(readFileSync(join(this.data, "postmaster.pid"), "utf8").split("\n")[0]);
    listPid(this.postmaster);
  }

  /** A new, empty database in this cluster; returns its URL. */
  async createDatabase(): Promise<string> {
    const name = `t${++this.databases}`;
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return this.urlOf(name);
  }

  /** SIGKILL to the postmaster and every server process under it: a crash, with no shutdown checkpoint. */
  async kill(): Promise<void> {
    const pid = this.postmaster;
    if (pid === undefined) return;
    const pids = [pid, ...childrenOf(pid)];
    for (const p of pids) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    while (pids.some(alive)) await new Promise((r) => setTimeout(r, 20));
    unlistPid(pid);
    this.postmaster = undefined;
  }

  /** A crash and a start on the same port and data: PostgreSQL recovers from its WAL. */
  async restart(): Promise<void> {
    await this.kill();
    await this.spawn();
  }

  async stop(): Promise<void> {
    if (this.running) {
      try {
        await this.exec("pg_ctl", ["-D", this.data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // Falls through to the kill below.
      }
    }
    await this.kill();
    if (this.port) releasePort(this.port);
    await rm(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}

async function postgresIds(): Promise<[number, number]> {
  const { stdout: uid } = await run("id", ["-u", "postgres"]);
  const { stdout: gid } = await run("id", ["-g", "postgres"]);
  return [Number(uid.trim()), Number(gid.trim())];
}

function alive(pid: number): boolean {
  try {
    // A zombie still answers signal 0; its state in /proc says it is gone.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // Fields after the command (which may hold spaces and parentheses): state, then the parent's pid.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(name));
    } catch {
      // Ended while listed.
    }
  }
  return children;
}
