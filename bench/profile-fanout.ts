/**
 * `npm run bench:profile`: where the server's CPU goes per delivered op, Pulseboard beside plain Socket.IO, on the
 * fan-out load of `npm run bench` (one publisher, every viewer in one room). Both servers run under `--cpu-prof`;
 * the measured windows alternate between them (A B, A B, ...) and each profile is cut to its own windows, so that
 * setup, connects and the other server's turns are left out. It prints, per server: CPU µs per delivery from
 * /proc (user + system, all threads), and from the profile the main thread's busy time per delivery, split by
 * package and by function (self time), and the inclusive time of the functions given with `--inclusive`.
 *
 *   npm run bench:profile -- --viewers 1000 --rate 10 --seconds 10 --rounds 2
 *   npm run bench:profile -- --inclusive "publishOp ,applyBatch ,commit "
 *   npm run bench:profile -- --no-profile --baseline bench/.work/before/server.js   (CPU only, A/B of two builds)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { TestPostgres } from "../server/testing/postgres";
import { TestRedisServer } from "../server/testing/redis-server";
import {
  breakdown,
  DATABASE_PACKAGES,
  monotonicUs,
  onStack,
  type Category,
  type Span,
} from "./lib/cpuprofile";
import { LoadGenPool } from "./lib/pool";
import { provisionUsers, setUpBoard, type BenchBoard } from "./lib/pulseboard-setup";
import { closeViewers, openViewers, publishWindow, type FanoutResult, type Target } from "./lib/scenarios";
import { cpuMicros } from "./lib/proc";
import { startPulseboard, startReference, type BenchServer } from "./lib/servers";

const { values } = parseArgs({
  options: {
    viewers: { type: "string", default: "1000" },
    rate: { type: "string", default: "10" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    generators: { type: "string", default: "3" },
    /** The profiler's sampling interval, µs: finer costs the profiled servers more. */
    interval: { type: "string", default: "500" },
    top: { type: "string", default: "25" },
    inclusive: { type: "string", default: "" },
    "no-profile": { type: "boolean", default: false },
    /** Report again on the profiles of the last run, without running. */
    analyze: { type: "boolean", default: false },
    /** Another build of the server (e.g. an earlier commit's dist/server.js, copied aside) measured alongside. */
    baseline: { type: "string" },
  },
});
const viewers = Number(values.viewers);
const rate = Number(values.rate);
const durationMs = Number(values.seconds) * 1000;
const inclusive = values.inclusive ? values.inclusive.split(",") : [];
const profileDir = "bench/.work/profile-fanout";

const WRITES = new Set([
  "engine.io",
  "ws",
  "node (core)",
  "(native)",
  "writev",
  "writeBuffer",
  "writeUtf8String",
]);

/**
 * Where a sample's time belongs, first match wins: the database (per op), the broadcast loop that hands a packet to
 * each recipient (per delivery), the completion of those writes afterwards (per delivery), timers (background),
 * the rest of the op's own handling (per op), garbage collection.
 */
const CATEGORIES: Category[] = [
  ["database (per op)", (s) => s.packages.some((p) => DATABASE_PACKAGES.has(p))],
  [
    "broadcast loop (per delivery)",
    (s) => onStack(s.names, "broadcast ") || onStack(s.names, "broadcastWithAck "),
  ],
  ["timers (background)", (s) => onStack(s.names, "listOnTimeout ")],
  [
    "op handling: pulseboard, zod, parser (per op)",
    (s) => s.packages.some((p) => p === "pulseboard" || p === "zod"),
  ],
  ["garbage collector", (s) => s.names[0] === "(garbage collector)"],
  [
    "socket writes completing (per delivery)",
    (s) => WRITES.has(s.packages[0]!) && !onStack(s.names, "onmessage"),
  ],
];

interface Measured {
  target: Target;
  server: BenchServer;
  spans: Span[];
  runs: FanoutResult[];
  /** CPU of the server's main thread and of its other threads (GC helpers, libuv's pool) over the windows, µs. */
  mainUs: number;
  /** The main thread's system time (the kernel's side of its socket writes), within `mainUs`. */
  mainSysUs: number;
  otherUs: number;
  /** The same viewers connected and nobody publishing, for as long as a window: CPU µs and seconds. */
  idleUs: number;
  idleSeconds: number;
  idleSpans: Span[];
}

/** User + system CPU of each thread of `pid` so far, µs: the main thread (tid = pid) and the others together. */
function threadCpu(pid: number): { main: number; mainSys: number; other: number } {
  let main = 0;
  let mainSys = 0;
  let other = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const us = ((Number(f[11]) + Number(f[12])) * 1_000_000) / 100;
      if (Number(tid) === pid) {
        main += us;
        mainSys += (Number(f[12]) * 1_000_000) / 100;
      } else other += us;
    } catch {
      // A thread that ended meanwhile.
    }
  }
  return { main, mainSys, other };
}

/** What a run keeps of a measured server, in spans.json beside the profiles, for `--analyze`. */
type Record = Omit<Measured, "target" | "server"> & { label: string; pid: number };

const toRecord = ({ target, server, ...rest }: Measured): Record => ({
  ...rest,
  label: target.label,
  pid: server.pid,
});

function report(m: Record): void {
  const delivered = m.runs.reduce((s, r) => s + r.delivered, 0);
  const cpu = m.runs.reduce((s, r) => s + r.serverCpuUsPerDelivery * r.delivered, 0) / delivered;
  const file = readdirSync(profileDir).find((f) => f.includes(`.${m.pid}.`));
  console.log(`\n## ${m.label}: ${delivered.toLocaleString("en-US")} deliveries in ${m.runs.length} windows`);
  console.log(
    `CPU from /proc: ${cpu.toFixed(2)} µs/delivery; main thread ${(m.mainUs / delivered).toFixed(2)} (system ${(m.mainSysUs / delivered).toFixed(2)}), other threads ${(m.otherUs / delivered).toFixed(2)}`,
  );
  const idle = m.idleUs / m.idleSeconds;
  const deliveriesPerSec = viewers * rate;
  console.log(
    `idle with the viewers connected: ${(idle / 1000).toFixed(1)} ms CPU/s, ${(idle / deliveriesPerSec).toFixed(2)} µs per delivery at ${deliveriesPerSec.toLocaleString("en-US")} deliveries/s`,
  );
  if (!file) return console.log("(no profile written)");
  const b = breakdown(join(profileDir, file), m.spans, inclusive, CATEGORIES);
  const per = (us: number) => (us / delivered).toFixed(3).padStart(7);
  const pct = (us: number) => ((100 * us) / b.busyUs).toFixed(1).padStart(5);
  console.log(`main thread busy (profile): ${per(b.busyUs)} µs/delivery, ${pct(b.busyUs)}% of busy`);
  console.log("\nby category: µs/delivery, % of busy");
  for (const [k, us] of b.byCategory) console.log(`${per(us)} ${pct(us)}%  ${k}`);
  console.log("\nself time by package: µs/delivery, % of busy");
  for (const [k, us] of b.byPackage.slice(0, 15)) console.log(`${per(us)} ${pct(us)}%  ${k}`);
  console.log("\nself time by function: µs/delivery, % of busy");
  for (const [k, us] of b.byFunction.slice(0, Number(values.top)))
    console.log(`${per(us)} ${pct(us)}%  ${k}`);
  const bi = breakdown(join(profileDir, file), m.idleSpans);
  const perSec = (us: number) => (us / m.idleSeconds / 1000).toFixed(2).padStart(6);
  console.log(`\nidle, self time by function: ms/s (main thread busy ${perSec(bi.busyUs)} ms/s)`);
  for (const [k, us] of bi.byFunction.slice(0, 20)) console.log(`${perSec(us)}  ${k}`);
  if (inclusive.length) {
    console.log("\ninclusive: µs/delivery, % of busy");
    for (const [k, us] of b.inclusive) console.log(`${per(us)} ${pct(us)}%  ${k}`);
  }
}

function measuredOf(target: Target): Measured {
  return {
    target,
    server: target.instances[0]!,
    spans: [],
    runs: [],
    mainUs: 0,
    mainSysUs: 0,
    otherUs: 0,
    idleUs: 0,
    idleSeconds: 0,
    idleSpans: [],
  };
}

async function main() {
  if (values.analyze) {
    const records = JSON.parse(readFileSync(join(profileDir, "spans.json"), "utf8")) as Record[];
    for (const m of records) report(m);
    return;
  }
  if (spawnSync(process.execPath, ["scripts/build-server.mjs"], { stdio: "inherit" }).status !== 0)
    throw new Error("the server build failed");
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(profileDir, { recursive: true });
  const redis = await TestRedisServer.start();
  const postgres = await TestPostgres.start({ fsync: true });
  const pool = new LoadGenPool(Number(values.generators));
  const servers: BenchServer[] = [];
  const boards: BenchBoard[] = [];
  const stops: (() => Promise<void>)[] = [];
  const profile = values["no-profile"] ? {} : { profileDir, profileIntervalUs: Number(values.interval) };
  try {
    const sio = await startReference(
      "socketio",
      "bench/servers/plain-socketio.ts",
      { REDIS_URL: redis.url },
      profile,
    );
    servers.push(sio);
    const backing = { redisUrl: redis.url, databaseUrl: await postgres.createDatabase() };
    const pb = await startPulseboard("pulseboard", backing, profile);
    servers.push(pb);
    const board = await setUpBoard(await provisionUsers({ url: backing.databaseUrl }, 50), pb.url);
    boards.push(board);
    const measured = [
      measuredOf({ label: "plain Socket.IO", kind: "socketio", instances: [sio] }),
      measuredOf({ label: "Pulseboard", kind: "pulseboard", instances: [pb], board }),
    ];
    if (values.baseline) {
      // An earlier build on a Redis and a database of its own, so that the two builds never hear each other.
      const baseRedis = await TestRedisServer.start();
      stops.push(() => baseRedis.stop());
      const baseBacking = { redisUrl: baseRedis.url, databaseUrl: await postgres.createDatabase() };
      const base = await startPulseboard("baseline", baseBacking, { ...profile, bundle: values.baseline });
      servers.push(base);
      const baseBoard = await setUpBoard(
        await provisionUsers({ url: baseBacking.databaseUrl }, 50),
        base.url,
      );
      boards.push(baseBoard);
      measured.push(
        measuredOf({
          label: `Pulseboard baseline (${values.baseline})`,
          kind: "pulseboard",
          instances: [base],
          board: baseBoard,
        }),
      );
    }
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const m of measured) {
        await openViewers(pool, m.target, viewers, true);
        await publishWindow(
          pool,
          m.target,
          { viewers, rate, durationMs: 1_000 },
          { scenario: "profile", round },
        );
        const fromUs = monotonicUs();
        const before = threadCpu(m.server.pid);
        const run = await publishWindow(
          pool,
          m.target,
          { viewers, rate, durationMs },
          { scenario: "profile", round },
        );
        const after = threadCpu(m.server.pid);
        m.spans.push({ fromUs, toUs: monotonicUs() });
        m.mainUs += after.main - before.main;
        m.otherUs += after.other - before.other;
        m.mainSysUs += after.mainSys - before.mainSys;
        // The background: timers, heartbeats and sweeps, with the same sockets open and no ops.
        const idleFrom = cpuMicros(m.server.pid);
        const idleFromUs = monotonicUs();
        await new Promise((r) => setTimeout(r, durationMs));
        m.idleSpans.push({ fromUs: idleFromUs, toUs: monotonicUs() });
        m.idleUs += cpuMicros(m.server.pid) - idleFrom;
        m.idleSeconds += durationMs / 1000;
        m.runs.push(run);
        await closeViewers(pool);
        console.error(
          `round ${round + 1}: ${m.target.label} ${run.serverCpuUsPerDelivery.toFixed(2)} µs/delivery`,
        );
      }
    }
    for (const b of boards) b.close();
    pool.stop();
    // A profile is written at a clean exit.
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    writeFileSync(join(profileDir, "spans.json"), JSON.stringify(measured.map(toRecord)));
    for (const m of measured) report(toRecord(m));
  } finally {
    pool.stop();
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all([redis.stop(), postgres.stop(), ...stops.map((stop) => stop())]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
