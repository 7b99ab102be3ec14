/**
 * `npm run bench`: Pulseboard against raw `ws` and plain Socket.IO, on the same load, in one run. It starts its
 * own Redis and PostgreSQL (Pulseboard's system of record, with fsync and synchronous_commit on, as in production:
 * every op is committed there before it is acknowledged and published), builds and starts the servers, mints tokens, and drives socket.io-client / ws viewers from several
 * load-generator processes. Results go to bench/results/bench.md (a full run) and to standard output.
 *
 *   npm run bench                 the full run, about 7 minutes
 *   npm run bench -- --quick      under a minute: checks that nothing is lost and order is kept, not speed
 *   npm run bench -- --only fanout1000,memory
 *   npm run bench -- --only throughput --profile   CPU profiles of the Pulseboard instances in bench/.work/profiles
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { TestPostgres } from "../server/testing/postgres";
import { TestRedisServer } from "../server/testing/redis-server";
import { LoadGenPool } from "./lib/pool";
import { setUpBoard } from "./lib/pulseboard-setup";
import { formatReport, type Results } from "./lib/report";
import { fanout, idleMemory, maxThroughput, type Target } from "./lib/scenarios";
import { startPulseboard, startReference, type BenchServer } from "./lib/servers";

// Memory first: the idle baseline is read from processes that have not yet grown their heaps under load.
const SCENARIOS = ["memory", "fanout1000", "fanout5000", "twoInstances", "throughput"] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    seconds: { type: "string", default: "10" },
    generators: { type: "string", default: "3" },
    profile: { type: "boolean", default: false },
  },
});
const quick = values.quick;
const only = new Set((values.only?.split(",") ?? SCENARIOS) as Scenario[]);
const windowMs = Number(values.seconds) * 1000;

function buildServer(): void {
  const result = spawnSync(process.execPath, ["scripts/build-server.mjs"], { stdio: "inherit" });
  if (result.status !== 0) throw new Error("the server build failed");
}

async function main() {
  const started = Date.now();
  buildServer();
  const redis = await TestRedisServer.start();
  const postgres = await TestPostgres.start({ fsync: true }).catch(async (err: unknown) => {
    await redis.stop();
    throw err;
  });
  const info = new Redis(redis.url);
  const redisPid = Number(/process_id:(\d+)/.exec(await info.info("server"))?.[1]);
  const redisUsedMemory = async () => Number(/used_memory:(\d+)/.exec(await info.info("memory"))?.[1]);
  const servers: BenchServer[] = [];
  const pool = new LoadGenPool(Number(values.generators));
  const log = (msg: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s] ${msg}`);
  // Each result as it comes, so that a long run shows its progress.
  const show = <T>(result: T): T => {
    log(
      JSON.stringify(result, (k, v: unknown) =>
        k === "steps" ? undefined : typeof v === "number" ? Math.round(v * 100) / 100 : v,
      ),
    );
    return result;
  };
  try {
    const start = async (s: Promise<BenchServer>) => {
      const server = await s;
      servers.push(server);
      return server;
    };
    const ws = await start(startReference("ws", "bench/servers/raw-ws.ts"));
    const sioA = await start(
      startReference("socketio-a", "bench/servers/plain-socketio.ts", { REDIS_URL: redis.url }),
    );
    const sioB = await start(
      startReference("socketio-b", "bench/servers/plain-socketio.ts", { REDIS_URL: redis.url }),
    );
    const profileDir = values.profile ? "bench/.work/profiles" : undefined;
    const backing = { redisUrl: redis.url, databaseUrl: await postgres.createDatabase() };
    const pbA = await start(startPulseboard("pulseboard-a", backing, { profileDir }));
    const pbB = await start(startPulseboard("pulseboard-b", backing, { profileDir }));
    const board = await setUpBoard(backing.databaseUrl, pbA.url, 50);
    log("servers up");

    const raw: Target = { label: "raw ws", kind: "ws", instances: [ws] };
    const sio: Target = { label: "plain Socket.IO", kind: "socketio", instances: [sioA], redisPid };
    const pb: Target = { label: "Pulseboard", kind: "pulseboard", instances: [pbA], board, redisPid };
    const sio2: Target = { ...sio, label: "plain Socket.IO, 2 instances", instances: [sioA, sioB] };
    const pb2: Target = { ...pb, label: "Pulseboard, 2 instances", instances: [pbA, pbB] };
    const results: Results = { quick, fanout: [], throughput: [], idle: [] };

    if (quick) {
      for (const t of [raw, sio, pb, pb2]) {
        results.fanout.push(await fanout(pool, t, { viewers: 200, rate: 20, durationMs: 3_000 }));
        log(`quick: ${t.label} done`);
      }
    } else {
      const run = async (scenario: Scenario, what: () => Promise<void>) => {
        if (!only.has(scenario)) return;
        await what();
        log(`${scenario} done`);
      };
      await run("memory", async () => {
        for (const t of [raw, sio, pb])
          results.idle.push(show(await idleMemory(pool, t, 10_000, redisUsedMemory)));
      });
      await run("fanout1000", async () => {
        for (const t of [raw, sio, pb])
          results.fanout.push(
            show(await fanout(pool, t, { viewers: 1_000, rate: 10, durationMs: windowMs })),
          );
      });
      await run("fanout5000", async () => {
        for (const t of [raw, sio, pb])
          results.fanout.push(
            show(await fanout(pool, t, { viewers: 5_000, rate: 10, durationMs: windowMs })),
          );
      });
      await run("twoInstances", async () => {
        for (const t of [sio2, pb2])
          results.fanout.push(
            show(await fanout(pool, t, { viewers: 1_000, rate: 10, durationMs: windowMs })),
          );
      });
      await run("throughput", async () => {
        for (const t of [raw, sio, pb])
          results.throughput.push(show(await maxThroughput(pool, t, 1_000, 30, 4_000)));
      });
    }
    board.close();

    const report = formatReport(results, {
      command: process.argv.slice(2).join(" "),
      seconds: (Date.now() - started) / 1000,
    });
    console.log(report.text);
    if (!quick && only.size === SCENARIOS.length) {
      mkdirSync("bench/results", { recursive: true });
      writeFileSync("bench/results/bench.md", report.text);
      log("written to bench/results/bench.md");
    }
    if (report.failures.length) {
      console.error(`\nFAILED:\n  ${report.failures.join("\n  ")}`);
      process.exitCode = 1;
    }
  } finally {
    pool.stop();
    await Promise.all(servers.map((s) => s.stop()));
    info.disconnect();
    await Promise.all([redis.stop(), postgres.stop()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
