import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port";
import { killOnExit } from "./reap";

const run = promisify(execFile);

interface Node {
  port: number;
  dir: string;
  child?: ChildProcess;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run("redis-cli", ["-p", String(port), ...args], { timeout: 10_000 });
  return stdout;
}

/**
 * A Redis Cluster of 3 masters and 3 replicas owned by one test file: `redis-server --cluster-enabled` on free
 * ports, joined with `redis-cli --cluster create`. A master can be killed to test failover.
 */
export class TestRedisCluster {
  private constructor(
    private readonly nodes: Node[],
    private readonly root: string,
  ) {}

  static async start(): Promise<TestRedisCluster> {
    const root = await mkdtemp(join(tmpdir(), "pb-cluster-"));
    const nodes: Node[] = [];
    const cluster = new TestRedisCluster(nodes, root);
    const taken = new Set<number>();
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        // A free port can be taken before redis-server binds it (by another test's server, or as the local port
        // of some outgoing connection), and so can the cluster bus on port + 10000: try another then.
        for (let attempt = 0; ; attempt++) {
          let port = await freePort();
          while (taken.has(port) || port + 10_000 >= 65_536) port = await freePort();
          taken.add(port);
          const node: Node = { port, dir: join(root, String(port)) };
          await mkdir(node.dir, { recursive: true });
          try {
            await cluster.spawn(node);
            nodes.push(node);
            return;
          } catch (err) {
            if (attempt >= 4) throw err;
          }
        }
      }),
    );
    await run(
      "redis-cli",
      [
        "--cluster",
        "create",
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        "--cluster-replicas",
        "1",
        "--cluster-yes",
      ],
      { timeout: 30_000 },
    );
    await cluster.waitHealthy();
    return cluster;
  }

  get startupNodes(): { host: string; port: number }[] {
    return this.nodes.map((n) => ({ host: "127.0.0.1", port: n.port }));
  }

  /** The `REDIS_CLUSTER_NODES` value for these nodes. */
  get nodesEnv(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(",");
  }

  private async spawn(node: Node): Promise<void> {
    const child = spawn(
      "redis-server",
      [
        "--port",
        String(node.port),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        `nodes-${node.port}.conf`,
        "--cluster-node-timeout",
        "2000",
        "--dir",
        node.dir,
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--repl-diskless-sync-delay",
        "0",
        "--daemonize",
        "no",
      ],
      { stdio: "ignore" },
    );
    killOnExit(child);
    node.child = child;
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        if ((await cli(node.port, "ping")).trim() === "PONG") {
          // Another process may be the one answering on this port: ours must still be running.
          await new Promise((r) => setTimeout(r, 100));
          if (child.exitCode === null && child.signalCode === null) return;
        }
      } catch {
        // not up yet
      }
      if (child.exitCode !== null) throw new Error(`redis-server on ${node.port} exited`);
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`redis-server on ${node.port} did not start`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Every live node reports cluster_state:ok and every replica has its master link up. */
  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const live = this.nodes.filter(
        (n) => n.child && n.child.exitCode === null && n.child.signalCode === null,
      );
      const states = await Promise.all(
        live.map(async (n) => {
          try {
            const info = await cli(n.port, "cluster", "info");
            const repl = await cli(n.port, "info", "replication");
            const okState = info.includes("cluster_state:ok");
            const replicaOk = !repl.includes("role:slave") || repl.includes("master_link_status:up");
            return okState && replicaOk;
          } catch {
            return false;
          }
        }),
      );
      if (states.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error("the Redis Cluster did not become healthy");
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Port of the master serving `key`'s slot. */
  async masterFor(key: string): Promise<number> {
    const slot = Number((await cli(this.nodes[0]!.port, "cluster", "keyslot", key)).trim());
    for (const n of this.nodes) {
      if (!n.child || n.child.exitCode !== null) continue;
      const repl = await cli(n.port, "info", "replication").catch(() => "");
      if (!repl.includes("role:master")) continue;
      const nodes = await cli(n.port, "cluster", "nodes");
      const me = nodes.split("\n").find((l) => l.includes("myself"));
      const ranges = me?.split(" ").slice(8) ?? [];
      for (const r of ranges) {
        const [a, b] = r.split("-").map(Number);
        if (slot >= a! && slot <= (b ?? a)!) return n.port;
      }
    }
    throw new Error(`no master owns slot ${slot}`);
  }

  /** SIGKILL a node; its replica takes over after the node timeout (2 s). */
  async kill(port: number): Promise<void> {
    const node = this.nodes.find((n) => n.port === port);
    const child = node?.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        if (n.child && n.child.exitCode === null && n.child.signalCode === null) {
          const exited = new Promise((r) => n.child!.once("exit", r));
          n.child.kill("SIGKILL");
          await exited;
        }
      }),
    );
    await rm(this.root, { recursive: true, force: true });
  }
}
