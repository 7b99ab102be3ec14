/**
 * Where an idle authenticated connection's bytes go, and what a connect costs the server: a V8 heap snapshot of the
 * server before and after N idle socket.io-client connections, diffed by constructor/type, with the RSS and Redis
 * `used_memory` slopes; and the server's CPU time per connect over bursts of connects. Pulseboard (production bundle,
 * Redis registry, PostgreSQL, API tokens) and plain Socket.IO (bench/servers/plain-socketio.ts, no auth), side by side.
 *
 *   npm run bench:conn-memory                                   heap diff of both, then CPU per connect
 *   npm run bench:conn-memory -- --connections 2000 --top 25
 *   npm run bench:conn-memory -- --skip-heap --connects 5000 --rounds 3
 *   npm run bench:conn-memory -- --bundle before=bench/.work/dist-before/server.js --bundle after=dist/server.js
 *   npm run bench:conn-memory -- --skip-heap --profile       CPU profiles of the servers in bench/.work/conn-profiles
 *   npm run bench:conn-memory -- --skip-cpu --by-location    closures by where they were created (script:line:col)
 *   npm run bench:conn-memory -- --skip-cpu --rss-only --connections 10000   the slopes alone, no snapshots
 *
 * With several `--bundle`s the CPU bursts run interleaved (A B, A B, ...), so that the machine's noise hits each alike.
 * Not a test: the figures depend on the machine.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { io, type Socket } from "socket.io-client";
import {
  breakdown,
  DATABASE_PACKAGES,
  monotonicUs,
  onStack,
  type Category,
  type Span,
} from "./lib/cpuprofile";
import { freePort } from "../server/testing/free-port";
import { TestPostgres } from "../server/testing/postgres";
import { TestRedisServer } from "../server/testing/redis-server";
import { tempDir } from "../server/testing/temp-dir";
import { provisionUsers, setUpBoard } from "./lib/pulseboard-setup";
import { BENCH_SECRET } from "./lib/servers";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "2000" },
    connects: { type: "string", default: "5000" },
    rounds: { type: "string", default: "3" },
    users: { type: "string", default: "50" },
    concurrency: { type: "string", default: "100" },
    top: { type: "string", default: "25" },
    bundle: { type: "string", multiple: true },
    "skip-heap": { type: "boolean", default: false },
    "skip-cpu": { type: "boolean", default: false },
    "skip-plain": { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    "by-location": { type: "boolean", default: false },
    "rss-only": { type: "boolean", default: false },
  },
});
const CONNECTIONS = Number(values.connections);
const CONNECTS = Number(values.connects);
const ROUNDS = Number(values.rounds);
const USERS = Number(values.users);
const CONCURRENCY = Number(values.concurrency);
const TOP = Number(values.top);
const WARMUP = 200;
const WORK = "bench/.work/conn-memory";
const PROFILE_DIR = "bench/.work/conn-profiles";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------------
// Servers

interface Server {
  label: string;
  url: string;
  pid: number;
  snapshotDir: string;
  stop(): Promise<void>;
}

function spawnServer(label: string, args: string[], env: Record<string, string>, snapshotDir: string) {
  mkdirSync(snapshotDir, { recursive: true });
  const profile = values.profile ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const child = spawn(
    process.execPath,
    [...profile, "--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${snapshotDir}`, ...args],
    {
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-8_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // SIGTERM: a clean exit, so that a profiled server writes its profile.
    child.kill(values.profile ? "SIGTERM" : "SIGKILL");
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, output: () => output, exited, stop, label };
}

async function startPulseboardBundle(
  label: string,
  bundle: string,
  backing: { redisUrl: string; databaseUrl: string },
): Promise<Server> {
  const port = await freePort();
  const dir = await tempDir("pb-conn-");
  const snapshotDir = join(WORK, label);
  const s = spawnServer(
    label,
    ["--enable-source-maps", bundle],
    {
      PORT: String(port),
      HOST: "127.0.0.1",
      REDIS_URL: backing.redisUrl,
      DATABASE_URL: backing.databaseUrl,
      AUTH_SECRET: BENCH_SECRET,
      INSTANCE_ID: label,
      DATA_DIR: dir.path,
      LOG_LEVEL: "warn",
      PULSEBOARD_NO_PAGES: "true",
      MAX_CONNECTIONS_PER_USER: "10000",
      SHUTDOWN_TIMEOUT_MS: "2000",
    },
    snapshotDir,
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (s.child.exitCode !== null) throw new Error(`${label} exited during startup: ${s.output()}`);
    const status = await fetch(`${url}/api/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) throw new Error(`${label} did not become healthy: ${s.output()}`);
    await sleep(100);
  }
  return {
    label,
    url,
    pid: s.child.pid!,
    snapshotDir,
    async stop() {
      await s.stop();
      await dir.remove();
    },
  };
}

async function startPlain(label: string, redisUrl: string): Promise<Server> {
  const snapshotDir = join(WORK, label);
  const s = spawnServer(
    label,
    ["--import", "tsx", "bench/servers/plain-socketio.ts"],
    { PORT: "0", REDIS_URL: redisUrl },
    snapshotDir,
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start: ${s.output()}`)), 30_000);
    s.child.stdout!.on("data", () => {
      const m = /listening (\d+)/.exec(s.output());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  return { label, url: `http://127.0.0.1:${port}`, pid: s.child.pid!, snapshotDir, stop: s.stop };
}

// ---------------------------------------------------------------------------------------------------------------
// Process figures

const TICK = 100; // USER_HZ on Linux
/** User plus system CPU time of a process, in µs, from /proc (10 ms resolution). */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICK;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1]) * 1024;
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Waits until the server has let go of closed connections: its open file descriptors are back to `baseline`. */
async function fdsBackTo(pid: number, baseline: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (openFds(pid) > baseline + 5) {
    if (Date.now() > deadline)
      throw new Error(`the server still holds ${openFds(pid) - baseline} closed sockets`);
    await sleep(250);
  }
}

/** The lowest of a few reads a moment apart: the resident size once the allocator has settled. */
async function settledRss(pid: number): Promise<number> {
  let low = Infinity;
  for (let i = 0; i < 5; i++) {
    low = Math.min(low, rssBytes(pid));
    await sleep(200);
  }
  return low;
}

// ---------------------------------------------------------------------------------------------------------------
// Clients

function connect(url: string, token: string | undefined): Promise<Socket> {
  const socket = io(url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    auth: token ? { token } : {},
  });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Opens `count` connections, `CONCURRENCY` at a time; tokens are spread over the users. */
async function openMany(url: string, count: number, tokens: string[] | undefined): Promise<Socket[]> {
  const sockets: Socket[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
      while (next < count) {
        const i = next++;
        sockets.push(await connect(url, tokens?.[i % tokens.length]));
      }
    }),
  );
  return sockets;
}

async function closeAll(sockets: Socket[]): Promise<void> {
  for (const s of sockets) s.close();
  await sleep(500);
}

// ---------------------------------------------------------------------------------------------------------------
// Heap snapshots

interface Group {
  count: number;
  bytes: number;
}

/** Asks the server for a heap snapshot (SIGUSR2) and waits until the file is complete. */
async function takeSnapshot(server: Server): Promise<string> {
  const before = new Set(readdirSync(server.snapshotDir));
  process.kill(server.pid, "SIGUSR2");
  const deadline = Date.now() + 180_000;
  for (;;) {
    await sleep(500);
    const file = readdirSync(server.snapshotDir).find((f) => f.endsWith(".heapsnapshot") && !before.has(f));
    if (file) {
      const path = join(server.snapshotDir, file);
      const size = statSync(path).size;
      await sleep(1_000);
      if (size > 0 && statSync(path).size === size) {
        const tail = readFileSync(path, "utf8").trimEnd();
        if (tail.endsWith("}")) return path;
      }
    }
    if (Date.now() > deadline) throw new Error(`no heap snapshot from ${server.label}`);
  }
}

interface Snapshot {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; location_fields?: string[] };
  };
  nodes: number[];
  strings: string[];
  locations?: number[];
}

/** Where each closure was created (script id:line:column), by its offset in `nodes`. */
function closureLocations(snap: Snapshot): Map<number, string> {
  const out = new Map<number, string>();
  const fields = snap.snapshot.meta.location_fields;
  const locations = snap.locations;
  if (!fields || !locations) return out;
  const w = fields.length;
  for (let i = 0; i + w - 1 < locations.length; i += w)
    out.set(locations[i]!, `${locations[i + 1]}:${locations[i + 2]! + 1}:${locations[i + 3]! + 1}`);
  return out;
}

/**
 * Live objects by kind: objects and native objects by constructor name, closures by function name, arrays and
 * internal (hidden) nodes by their name, strings and numbers by type alone.
 */
function groupSnapshot(path: string): Map<string, Group> {
  const snap = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const groups = new Map<string, Group>();
  const { nodes, strings } = snap;
  const where = values["by-location"] ? closureLocations(snap) : undefined;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]!]!;
    const name = strings[nodes[i + nameAt]!] ?? "";
    let key: string;
    if (type === "object" || type === "native") key = name;
    else if (type === "closure")
      key = `(closure) ${name || "anonymous"}${where ? ` @${where.get(i) ?? "?"}` : ""}`;
    else if (type === "array" || type === "hidden" || type === "object shape")
      key = `(${type}) ${name.slice(0, 60)}`;
    else key = `(${type})`;
    const g = groups.get(key);
    const size = nodes[i + sizeAt]!;
    if (g) {
      g.count++;
      g.bytes += size;
    } else groups.set(key, { count: 1, bytes: size });
  }
  return groups;
}

interface HeapDiff {
  totalBytesPerConn: number;
  rows: { key: string; countPerConn: number; bytesPerConn: number }[];
}

function diffGroups(before: Map<string, Group>, after: Map<string, Group>, n: number): HeapDiff {
  const keys = new Set([...before.keys(), ...after.keys()]);
  const rows = [...keys].map((key) => {
    const a = before.get(key) ?? { count: 0, bytes: 0 };
    const b = after.get(key) ?? { count: 0, bytes: 0 };
    return { key, countPerConn: (b.count - a.count) / n, bytesPerConn: (b.bytes - a.bytes) / n };
  });
  const totalBytesPerConn = rows.reduce((s, r) => s + r.bytesPerConn, 0);
  rows.sort((x, y) => y.bytesPerConn - x.bytesPerConn);
  return { totalBytesPerConn, rows };
}

interface MemoryResult {
  label: string;
  connections: number;
  /** Undefined with `--rss-only`. */
  heap: HeapDiff | undefined;
  rssPerConn: number;
  redisPerConn: number;
}

async function measureMemory(
  server: Server,
  tokens: string[] | undefined,
  redisUsedMemory: () => Promise<number>,
): Promise<MemoryResult> {
  // A warm-up, so that the figures before already hold what the first connections allocate once.
  const warm = await openMany(server.url, WARMUP, tokens);
  await sleep(1_000);
  const fds = openFds(server.pid);
  // The slopes first: writing a heap snapshot grows the process's resident memory by itself.
  const rssBefore = await settledRss(server.pid);
  const redisBefore = await redisUsedMemory();
  let sockets = await openMany(server.url, CONNECTIONS, tokens);
  await sleep(2_000);
  const rssAfter = await settledRss(server.pid);
  const redisAfter = await redisUsedMemory();
  await closeAll(sockets);
  await fdsBackTo(server.pid, fds);
  const slopes = {
    label: server.label,
    connections: CONNECTIONS,
    rssPerConn: (rssAfter - rssBefore) / CONNECTIONS,
    redisPerConn: (redisAfter - redisBefore) / CONNECTIONS,
  };
  if (values["rss-only"]) {
    await closeAll(warm);
    return { ...slopes, heap: undefined };
  }
  await sleep(1_000);
  // The same connections again, between two snapshots (each taken after a full GC: live objects only).
  const beforePath = await takeSnapshot(server);
  sockets = await openMany(server.url, CONNECTIONS, tokens);
  await sleep(2_000);
  const afterPath = await takeSnapshot(server);
  await closeAll([...warm, ...sockets]);
  const heap = diffGroups(groupSnapshot(beforePath), groupSnapshot(afterPath), CONNECTIONS);
  rmSync(beforePath);
  rmSync(afterPath);
  return { ...slopes, heap };
}

function printMemory(r: MemoryResult): void {
  console.log(`\n## ${r.label}: ${r.connections.toLocaleString("en")} idle connections`);
  const heap = r.heap ? `heap (live objects) ${(r.heap.totalBytesPerConn / 1024).toFixed(2)} KB/conn, ` : "";
  console.log(
    heap +
      `RSS slope ${(r.rssPerConn / 1024).toFixed(2)} KB/conn, Redis used_memory slope ${(r.redisPerConn / 1024).toFixed(2)} KB/conn`,
  );
  if (!r.heap) return;
  console.log("\n| type | count/conn | bytes/conn |\n| --- | ---: | ---: |");
  for (const row of r.heap.rows.slice(0, TOP))
    console.log(
      `| ${row.key.replaceAll("|", "\\|")} | ${row.countPerConn.toFixed(2)} | ${row.bytesPerConn.toFixed(0)} |`,
    );
}

// ---------------------------------------------------------------------------------------------------------------
// CPU per connect

/** Server CPU µs per connect over one burst of `CONNECTS` connects (the sockets are closed afterwards). */
async function cpuPerConnect(
  server: Server,
  tokens: string[] | undefined,
): Promise<{ us: number; rate: number; span: Span }> {
  await sleep(500);
  const fds = openFds(server.pid);
  const cpu0 = cpuMicros(server.pid);
  const fromUs = monotonicUs();
  const t0 = performance.now();
  const sockets = await openMany(server.url, CONNECTS, tokens);
  const ms = performance.now() - t0;
  // Work the connects left queued (index batches, logs) belongs to them too.
  await sleep(200);
  const us = (cpuMicros(server.pid) - cpu0) / CONNECTS;
  const span = { fromUs, toUs: monotonicUs() };
  await closeAll(sockets);
  await fdsBackTo(server.pid, fds);
  await sleep(500);
  return { us, rate: CONNECTS / (ms / 1000), span };
}

/** Where a connect's sampled time belongs, first match wins. */
const CONNECT_CATEGORIES: Category[] = [
  ["database", (s) => s.packages.some((p) => DATABASE_PACKAGES.has(p))],
  ["redis (registry)", (s) => s.packages.includes("ioredis")],
  ["garbage collector", (s) => s.names[0] === "(garbage collector)"],
  ["pulseboard (auth, features, middleware)", (s) => s.packages.includes("pulseboard")],
  ["socket.io", (s) => s.packages.some((p) => p.startsWith("socket.io"))],
  ["engine.io", (s) => s.packages.includes("engine.io")],
  ["ws handshake and frames", (s) => s.packages.includes("ws")],
  [
    "HTTP parsing and accept",
    (s) => onStack(s.names, "onconnection ") || onStack(s.names, "parserOnIncoming "),
  ],
];

/** With `--profile`: where each server's connects went, from its CPU profile cut to the measured bursts. */
function reportConnectProfile(server: Server, spans: Span[]): void {
  const file = readdirSync(PROFILE_DIR).find((f) => f.includes(`.${server.pid}.0.`));
  if (!file) return console.log(`\n(no profile written for ${server.label})`);
  const b = breakdown(join(PROFILE_DIR, file), spans, [], CONNECT_CATEGORIES);
  const n = CONNECTS * spans.length;
  const per = (us: number) => (us / n).toFixed(1).padStart(7);
  const pct = (us: number) => ((100 * us) / b.busyUs).toFixed(1).padStart(5);
  console.log(`\n### ${server.label}: main thread busy ${per(b.busyUs)} µs/connect (profiled, so slower)\n`);
  console.log("by category: µs/connect, % of busy");
  for (const [k, us] of b.byCategory) console.log(`${per(us)} ${pct(us)}%  ${k}`);
  console.log("\nself time by package");
  for (const [k, us] of b.byPackage.slice(0, 12)) console.log(`${per(us)} ${pct(us)}%  ${k}`);
  console.log("\nself time by function");
  for (const [k, us] of b.byFunction.slice(0, TOP)) console.log(`${per(us)} ${pct(us)}%  ${k}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  if (!values["no-build"]) {
    const result = spawnSync(process.execPath, ["scripts/build-server.mjs"], { stdio: "inherit" });
    if (result.status !== 0) throw new Error("the server build failed");
  }
  rmSync(WORK, { recursive: true, force: true });
  const bundles = (values.bundle ?? ["pulseboard=dist/server.js"]).map((b) => {
    const eq = b.indexOf("=");
    return eq > 0 ? { label: b.slice(0, eq), path: b.slice(eq + 1) } : { label: "pulseboard", path: b };
  });
  const redis = await TestRedisServer.start();
  const postgres = await TestPostgres.start().catch(async (err: unknown) => {
    await redis.stop();
    throw err;
  });
  const info = new Redis(redis.url);
  const redisUsedMemory = async () => Number(/used_memory:(\d+)/.exec(await info.info("memory"))?.[1]);
  const servers: Server[] = [];
  try {
    const backing = { redisUrl: redis.url, databaseUrl: await postgres.createDatabase() };
    const pbs: Server[] = [];
    for (const b of bundles) {
      const s = await startPulseboardBundle(b.label, b.path, backing);
      servers.push(s);
      pbs.push(s);
    }
    // Users and tokens are made through an instance of their own, so that every measured one starts alike.
    const setup = await startPulseboardBundle("setup", bundles[0]!.path, backing);
    const board = await setUpBoard(
      await provisionUsers({ url: backing.databaseUrl }, USERS),
      setup.url,
    ).finally(() => setup.stop());
    board.close();
    const tokens = board.viewerTokens;
    const plain = values["skip-plain"] ? undefined : await startPlain("plain Socket.IO", redis.url);
    if (plain) servers.push(plain);
    console.log(
      `# Connection memory and connect cost\n\nnode ${process.version}; ${CONNECTIONS} idle connections (after ${WARMUP} warm-up), ` +
        `${USERS} users with API tokens, WebSocket transport, ${CONCURRENCY} connects in flight`,
    );

    if (!values["skip-heap"]) {
      for (const s of pbs) printMemory(await measureMemory(s, tokens, redisUsedMemory));
      if (plain) printMemory(await measureMemory(plain, undefined, redisUsedMemory));
    }

    if (!values["skip-cpu"]) {
      const targets: { server: Server; tokens?: string[] }[] = pbs.map((server) => ({ server, tokens }));
      if (plain) targets.push({ server: plain });
      const samples = new Map<string, { us: number[]; rate: number[]; spans: Span[] }>();
      // A first burst each, unmeasured: the JIT and the pools warm up.
      for (const t of targets) await cpuPerConnect(t.server, t.tokens);
      for (let round = 0; round < ROUNDS; round++) {
        for (const t of targets) {
          const r = await cpuPerConnect(t.server, t.tokens);
          const s = samples.get(t.server.label) ?? { us: [], rate: [], spans: [] };
          s.us.push(r.us);
          s.rate.push(r.rate);
          s.spans.push(r.span);
          samples.set(t.server.label, s);
          console.error(
            `round ${round + 1} ${t.server.label}: ${r.us.toFixed(0)} µs/connect, ${r.rate.toFixed(0)}/s`,
          );
        }
      }
      console.log(
        `\n## Server CPU per connect: ${CONNECTS.toLocaleString("en")} connects per burst, ${ROUNDS} interleaved rounds (median, all)\n`,
      );
      console.log("| server | CPU µs/connect | connects/s (wall, noisy) |\n| --- | ---: | ---: |");
      for (const [label, s] of samples)
        console.log(
          `| ${label} | ${median(s.us).toFixed(0)} (${s.us.map((x) => x.toFixed(0)).join(", ")}) | ${median(s.rate).toFixed(0)} |`,
        );
      if (values.profile) {
        // A process writes its profile when it exits.
        for (const s of servers) await s.stop().catch(() => undefined);
        for (const t of targets) reportConnectProfile(t.server, samples.get(t.server.label)!.spans);
      }
    }
  } finally {
    for (const s of servers) await s.stop().catch(() => undefined);
    info.disconnect();
    await postgres.stop().catch(() => undefined);
    await redis.stop().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
