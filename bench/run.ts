/**
 * `npm run bench`: Pulseboard against raw `ws` and plain Socket.IO, on the same load, in one run. It starts its
 * own Redis and PostgreSQL (Pulseboard's system of record, with fsync and synchronous_commit on, as in production:
 * every op is committed there before it is acknowledged and published), builds and starts the servers (and an
 * embedded instance: SQLite in its data folder, no Redis), mints tokens, and drives socket.io-client / ws viewers
 * from several load-generator processes. Each scenario runs its servers in interleaved rounds (A B C, A B C, ...):
 * ratios are taken within a round and reported as median and spread. Results go to standard output, a full run's
 * to bench/results/bench.md, and the progress log to bench/.work/progress.log.
 *
 *   npm run bench                           the full run, every scenario (about 30 minutes; an estimate is printed)
 *   npm run bench -- --quick                about a minute, part of `npm test`: checks that nothing is lost, order
 *                                           is kept and batches apply as their ops, with a coalesced-delivery case,
 *                                           a slow-consumer case and an embedded instance; never asserts timings
 *   npm run bench -- --only fanout1000,memory   scenarios: memory, fanout1000, fanout5000, coalescing,
 *                                           twoInstances, throughput, slow, idle50k
 *   --rounds N             interleaved rounds per scenario (default 3)
 *   --seconds S            measured window of the fan-out scenarios (default 8)
 *   --coalesce-seconds S   measured window per rate in the coalescing scenario (default 4)
 *   --slow-seconds S       the slow-consumer windows (default 60)
 *   --slow-rate R          their op rate (default 50)
 *   --slow-op-bytes B      their ops are notes of about B bytes (default 2,048; 0: KPI values of about 260), so
 *                          that a stalled viewer's backlog outgrows what the kernel holds for it (4 MB on loopback)
 *   --idle-count N         connections of the idle50k scenario (default 50000)
 *   --rest-seconds S       idle50k: how long the instance's CPU at rest is measured (default 30)
 *   --generators N         viewer load-generator processes (default 3)
 *   --profile              CPU profiles of the Pulseboard instances in bench/.work/profiles
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { TestPostgres } from "../server/testing/postgres";
import { TestRedisServer } from "../server/testing/redis-server";
import { tempDir } from "../server/testing/temp-dir";
import { LoadGenPool } from "./lib/pool";
import { fdLimit } from "./lib/proc";
import { provisionUsers, setUpBoard, type BenchBoard } from "./lib/pulseboard-setup";
import { formatReport, LABELS, type Results } from "./lib/report";
import {
  fanout,
  fanoutRates,
  idleMemory,
  maxThroughput,
  slowConsumers,
  type Tag,
  type Target,
} from "./lib/scenarios";
import { startPulseboard, startReference, type Backing, type BenchServer } from "./lib/servers";

// Memory first: the idle baseline is read from fresh processes anyway, but the machine is quietest at the start.
const SCENARIOS = [
  "memory",
  "fanout1000",
  "fanout5000",
  "coalescing",
  "twoInstances",
  "throughput",
  "slow",
  "idle50k",
] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "8" },
    "coalesce-seconds": { type: "string", default: "4" },
    "slow-seconds": { type: "string", default: "60" },
    "slow-rate": { type: "string", default: "50" },
    "slow-op-bytes": { type: "string", default: "2048" },
    "idle-count": { type: "string", default: "50000" },
    "rest-seconds": { type: "string", default: "30" },
    generators: { type: "string", default: "3" },
    profile: { type: "boolean", default: false },
  },
});
const quick = values.quick;
const only = new Set((values.only?.split(",") ?? SCENARIOS) as Scenario[]);
for (const s of only)
  if (!SCENARIOS.includes(s)) throw new Error(`--only: no scenario "${s}" (${SCENARIOS.join(", ")})`);
const rounds = quick ? 1 : Math.max(1, Number(values.rounds));
const seconds = Number(values.seconds);
const coalesceSeconds = Number(values["coalesce-seconds"]);
const slowSeconds = Number(values["slow-seconds"]);
const idleCount = Number(values["idle-count"]);
const restSeconds = Number(values["rest-seconds"]);
const COALESCE_RATES = [10, 100, 300];
const n = (x: number) => x.toLocaleString("en-US");
/** File descriptors for the 50,000-connection scenario's instance and generators: one per connection, and room. */
const FD_LIMIT = 200_000;

/** Seconds each scenario should take, from its flags: printed at the start, so that a long run says how long. */
function estimate(s: Scenario): number {
  const drain = 2;
  switch (s) {
    case "memory":
      return rounds * 3 * 25;
    case "fanout1000":
      return rounds * 4 * (4 + 1 + seconds + drain);
    case "fanout5000":
      return rounds * 4 * (10 + 1 + seconds + drain);
    case "coalescing":
      return rounds * 4 * (4 + COALESCE_RATES.length * (1 + coalesceSeconds + drain + 1));
    case "twoInstances":
      return rounds * 2 * (4 + 1 + seconds + drain);
    case "throughput":
      return 3 * 70 + (rounds - 1) * 3 * 30;
    case "slow":
      return 2 * (slowSeconds + drain) + 15;
    case "idle50k":
      return idleCount / 800 + restSeconds + 20;
  }
}

function buildServer(): void {
  const result = spawnSync(process.execPath, ["scripts/build-server.mjs"], { stdio: "inherit" });
  if (result.status !== 0) throw new Error("the server build failed");
}

async function main() {
  const started = Date.now();
  mkdirSync("bench/.work", { recursive: true });
  const progress = "bench/.work/progress.log";
  const log = (msg: string) => {
    const line = `[bench ${((Date.now() - started) / 1000).toFixed(0)}s] ${msg}`;
    console.error(line);
    appendFileSync(progress, `${new Date().toISOString()} ${line}\n`);
  };
  const planned = quick ? [] : SCENARIOS.filter((s) => only.has(s));
  if (!quick) {
    const total = planned.reduce((sum, s) => sum + estimate(s), 60);
    log(
      `${process.argv.slice(2).join(" ") || "full run"}: ${planned.join(", ")}, ${rounds} round(s); about ${Math.round(total / 60)} min (${planned.map((s) => `${s} ${Math.round(estimate(s) / 60)}`).join(", ")})`,
    );
  }
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
  const boards: BenchBoard[] = [];
  const embeddedDir = await tempDir("pb-bench-embedded-");
  // The idle50k scenario holds a connection per file descriptor; the limits are raised with prlimit (root).
  const pool = new LoadGenPool(
    Number(values.generators),
    only.has("idle50k") && !quick ? FD_LIMIT : undefined,
  );
  // Each result as it comes, so that a long run shows its progress.
  const show = <T>(result: T): T => {
    log(
      JSON.stringify(result, (k, v: unknown) =>
        k === "steps" ? undefined : typeof v === "number" ? Math.round(v * 100) / 100 : v,
      ),
    );
    return result;
  };
  const results: Results = { quick, rounds, fanout: [], throughput: [], idle: [], errors: [], skipped: [] };
  try {
    const start = async (s: Promise<BenchServer>) => {
      const server = await s;
      servers.push(server);
      return server;
    };
    const stopOne = async (server: BenchServer) => {
      servers.splice(servers.indexOf(server), 1);
      await server.stop();
    };
    const wanted = (...s: Scenario[]) => !quick && s.some((x) => only.has(x));
    const ws = await start(startReference("ws", "bench/servers/raw-ws.ts"));
    const sioA = await start(
      startReference("socketio-a", "bench/servers/plain-socketio.ts", { REDIS_URL: redis.url }),
    );
    const sioB = await start(
      startReference("socketio-b", "bench/servers/plain-socketio.ts", { REDIS_URL: redis.url }),
    );
    const profileDir = values.profile ? "bench/.work/profiles" : undefined;
    const databaseUrl = await postgres.createDatabase();
    const backing: Backing = { redisUrl: redis.url, databaseUrl };
    // Users and tokens first, in each system of record: PostgreSQL for the Redis-mode instances, and the embedded
    // instance's SQLite file, which must exist before that instance opens it.
    const users = await provisionUsers({ url: databaseUrl }, 50);
    const embeddedUsers = await provisionUsers({ dataDir: embeddedDir.path }, 50);
    const pbA = await start(startPulseboard("pulseboard-a", backing, { profileDir }));
    const pbB = await start(startPulseboard("pulseboard-b", backing, { profileDir }));
    const embedded = await start(
      startPulseboard("pulseboard-embedded", { dataDir: embeddedDir.path }, { profileDir }),
    );
    const board = await setUpBoard(users, pbA.url);
    boards.push(board);
    const embeddedBoard = await setUpBoard(embeddedUsers, embedded.url);
    boards.push(embeddedBoard);
    // Without coalescing: the same system (Redis, PostgreSQL, board), one instance that sends every op on its own.
    const pbNoBatch = wanted("coalescing")
      ? await start(
          startPulseboard("pulseboard-nobatch", backing, { profileDir, env: { BOARD_OP_BATCH_MS: "0" } }),
        )
      : undefined;
    log("servers up");

    const raw: Target = { label: LABELS.ws, kind: "ws", instances: [ws] };
    const sio: Target = { label: LABELS.sio, kind: "socketio", instances: [sioA], redisPid };
    const pb: Target = { label: LABELS.pb, kind: "pulseboard", instances: [pbA], board, redisPid };
    const emb: Target = {
      label: LABELS.embedded,
      kind: "pulseboard",
      instances: [embedded],
      board: embeddedBoard,
    };
    const sio2: Target = { ...sio, label: LABELS.sio2, instances: [sioA, sioB] };
    const pb2: Target = { ...pb, label: LABELS.pb2, instances: [pbA, pbB] };
    const pb0: Target | undefined = pbNoBatch && { ...pb, label: LABELS.pbNoBatch, instances: [pbNoBatch] };

    /** Each round runs every target once, in the same order: A B C, A B C, ... */
    const inRounds = async (
      scenario: Scenario,
      targets: Target[],
      what: (t: Target, tag: Tag) => Promise<void>,
    ) => {
      for (let round = 0; round < rounds; round++) {
        for (const t of targets) await what(t, { scenario, round });
        log(`${scenario}: round ${round + 1} of ${rounds} done`);
      }
    };

    if (quick) {
      const tag = { scenario: "quick", round: 0 };
      for (const t of [raw, sio, pb, pb2, emb]) {
        results.fanout.push(await fanout(pool, t, { viewers: 200, rate: 20, durationMs: 3_000 }, tag));
        log(`quick: ${t.label} done`);
      }
      // Coalesced delivery: ops arrive faster than a batching window, so a server that batches sends board:ops.
      results.fanout.push(
        await fanout(
          pool,
          pb,
          { viewers: 100, rate: 300, durationMs: 2_000 },
          { scenario: "quickCoalescing", round: 0 },
        ),
      );
      log(`quick: coalesced delivery done (frames per op ${results.fanout.at(-1)!.framesPerOp.toFixed(2)})`);
      // Slow consumers: an instance with a small outbound cap; stalled viewers must converge once they read again.
      const capped = await start(
        startPulseboard("pulseboard-cap", backing, { env: { OUTBOUND_BUFFER_MAX_BYTES: "32768" } }),
      );
      results.slow = await slowConsumers(
        pool,
        { ...pb, instances: [capped] },
        // 16 KB ops: 5 MB per stalled viewer, past what the kernel holds for a paused loopback connection (4 MB).
        { readers: 50, stalled: 5, rate: 100, durationMs: 3_000, deadlineMs: 20_000, padBytes: 16_384 },
        { scenario: "quickSlow", round: 0 },
      );
      const c = results.slow.converge;
      log(
        `quick: slow consumers done (${c.converged} of ${c.total} converged; ${c.resyncs} board:resync received, ${c.reconnects} reconnects)`,
      );
    } else {
      const run = async (scenario: Scenario, what: () => Promise<void>) => {
        if (!only.has(scenario)) return;
        const t0 = Date.now();
        try {
          await what();
        } catch (err) {
          // One scenario's failure (say, the file-descriptor limit) does not cost the others' figures.
          results.errors.push(`${scenario}: ${err instanceof Error ? err.message : String(err)}`);
          log(`${scenario} FAILED: ${String(err)}`);
          await pool.all(() => ({ type: "close" }));
          return;
        }
        log(
          `${scenario} done in ${Math.round((Date.now() - t0) / 1000)} s (estimated ${Math.round(estimate(scenario))} s)`,
        );
      };
      await run("memory", async () => {
        // A fresh process per measurement: a server that already held (and freed) connections grows less.
        const fresh: Record<string, () => Promise<BenchServer>> = {
          [raw.label]: () => startReference("ws-idle", "bench/servers/raw-ws.ts"),
          [sio.label]: () =>
            startReference("socketio-idle", "bench/servers/plain-socketio.ts", { REDIS_URL: redis.url }),
          [pb.label]: () => startPulseboard("pulseboard-idle", backing),
        };
        await inRounds("memory", [raw, sio, pb], async (t, tag) => {
          const server = await start(fresh[t.label]!());
          try {
            results.idle.push(
              show(await idleMemory(pool, { ...t, instances: [server] }, 10_000, redisUsedMemory, tag)),
            );
          } finally {
            await stopOne(server);
          }
        });
      });
      const fan = (scenario: Scenario, viewers: number, targets: Target[]) =>
        inRounds(scenario, targets, async (t, tag) => {
          results.fanout.push(
            show(await fanout(pool, t, { viewers, rate: 10, durationMs: seconds * 1000 }, tag)),
          );
        });
      await run("fanout1000", () => fan("fanout1000", 1_000, [raw, sio, pb, emb]));
      await run("fanout5000", () => fan("fanout5000", 5_000, [raw, sio, pb, emb]));
      await run("coalescing", () =>
        inRounds("coalescing", [raw, sio, pb, pb0!], async (t, tag) => {
          const rows = await fanoutRates(pool, t, 1_000, COALESCE_RATES, coalesceSeconds * 1000, tag);
          results.fanout.push(...rows.map(show));
        }),
      );
      await run("twoInstances", () => fan("twoInstances", 1_000, [sio2, pb2]));
      await run("throughput", async () => {
        const first = new Map<string, number>();
        await inRounds("throughput", [raw, sio, pb], async (t, tag) => {
          const from = first.get(t.label);
          const r = from
            ? await maxThroughput(pool, t, 1_000, Math.max(30, Math.round(from * 0.85)), 4_000, tag, true)
            : await maxThroughput(pool, t, 1_000, 30, 4_000, tag);
          if (!from && r.best) first.set(t.label, r.best.rate);
          results.throughput.push(show(r));
        });
      });
      await run("slow", async () => {
        results.slow = show(
          await slowConsumers(
            pool,
            pb,
            {
              readers: 1_000,
              stalled: 50,
              rate: Number(values["slow-rate"]),
              durationMs: slowSeconds * 1000,
              padBytes: Number(values["slow-op-bytes"]) || undefined,
              deadlineMs: 60_000,
            },
            { scenario: "slow", round: 0 },
          ),
        );
      });
      await run("idle50k", async () => {
        const server = await start(
          startPulseboard("pulseboard-50k", backing, { fdLimit: FD_LIMIT, profileDir }),
        );
        try {
          // One descriptor per connection in the instance, and per connection in each generator, plus some room.
          const serverLimit = fdLimit(server.pid);
          const genLimit = Math.min(...pool.viewers.map((g) => fdLimit(g.pid)));
          const perGen = Math.ceil(idleCount / pool.viewers.length);
          if (serverLimit < idleCount + 500 || genLimit < perGen + 500) {
            results.skipped.push(
              `idle50k: not run here: the open-file limit is ${serverLimit} for the instance and ${genLimit} per load generator, and prlimit could not raise it (that needs CAP_SYS_RESOURCE); ${n(idleCount)} connections need ${n(idleCount + 500)} and ${n(perGen + 500)}. Run it where the hard limit allows, or with a smaller --idle-count`,
            );
            log(results.skipped.at(-1)!);
            return;
          }
          const r = await idleMemory(
            pool,
            { ...pb, instances: [server] },
            idleCount - 1_000,
            redisUsedMemory,
            { scenario: "idle50k", round: 0 },
            { restMs: restSeconds * 1000, spreadAddresses: true },
          );
          results.idle.push(show({ ...r, connections: idleCount }));
        } finally {
          await stopOne(server);
        }
      });
    }

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
    for (const b of boards) b.close();
    pool.stop();
    await Promise.all(servers.map((s) => s.stop()));
    info.disconnect();
    await Promise.all([redis.stop(), postgres.stop(), embeddedDir.remove()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
