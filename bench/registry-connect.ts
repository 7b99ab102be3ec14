/**
 * What the connection registry adds to the connect path: handshake latency (socket.io-client `connect()` to
 * the `connect` event, WebSocket, API token) on one instance without and with the registry, in embedded mode
 * and on Redis, plus the registry's own admission round trip.
 *
 *   npm run bench:registry -- [--connects 2000] [--concurrency 50]
 *
 * Not a test: the figures depend on the machine. Results are kept in bench/results/registry-connect.md.
 */
import { parseArgs } from "node:util";
import { closeRedis, createRedisClient, waitReady } from "../server/redis/connection";
import { RedisKeys } from "../server/redis/keys";
import { registryFeature } from "../server/registry/registry.feature";
import { RedisConnectionRegistry } from "../server/registry/registry.redis";
import type { ConnectionEntry } from "../server/registry/types";
import { makeClient, tokenFor } from "../server/testing/clients";
import { startInstance } from "../server/testing/instance";
import { testLogger } from "../server/testing/logger";
import { TestPostgres } from "../server/testing/postgres";
import { TestRedisServer } from "../server/testing/redis-server";

const { values } = parseArgs({
  options: {
    connects: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "50" },
    users: { type: "string", default: "200" },
    rounds: { type: "string", default: "5" },
  },
});
const CONNECTS = Number(values.connects);
const CONCURRENCY = Number(values.concurrency);
const USERS = Number(values.users);
const ROUNDS = Number(values.rounds);

interface Stats {
  p50: number;
  p99: number;
  mean: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99), mean: sorted.reduce((s, x) => s + x, 0) / sorted.length };
}

/** One handshake, timed; the socket is closed as soon as it is connected (its slot is released). */
function handshake(url: string, token: string): Promise<number> {
  const socket = makeClient(url, { token });
  return new Promise((resolve, reject) => {
    const started = performance.now();
    socket.once("connect", () => {
      const ms = performance.now() - started;
      socket.close();
      resolve(ms);
    });
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
    socket.connect();
  });
}

interface Samples {
  sequential: number[];
  concurrent: number[];
  concurrentMs: number;
  concurrentCount: number;
}

const emptySamples = (): Samples => ({ sequential: [], concurrent: [], concurrentMs: 0, concurrentCount: 0 });

/** One round: `count` handshakes one after another, then `count` with CONCURRENCY in flight. */
async function round(url: string, tokens: string[], count: number, into: Samples) {
  for (let i = 0; i < count; i++) into.sequential.push(await handshake(url, tokens[i % tokens.length]!));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        into.concurrent.push(await handshake(url, tokens[i % tokens.length]!));
      }
    }),
  );
  into.concurrentMs += performance.now() - started;
  into.concurrentCount += count;
}

async function admitRoundTrip(redisUrl: string) {
  const client = createRedisClient({ url: redisUrl }, "bench", "command", testLogger());
  await waitReady(client);
  const registry = new RedisConnectionRegistry(client, new RedisKeys("benchadmit"), 15_000);
  const samples: number[] = [];
  for (let i = 0; i < CONNECTS + 200; i++) {
    const entry: ConnectionEntry = {
      connectionId: `c${i}`,
      user: `u${i % USERS}`,
      instanceId: "bench",
      clientId: `tab-${i}-bench`,
      transport: "websocket",
      ip: "127.0.0.1",
      userAgent: "bench",
      via: "token",
      connectedAt: Date.now(),
    };
    const t = performance.now();
    await registry.admit(entry, 5);
    if (i >= 200) samples.push(performance.now() - t);
    await registry.release(entry);
  }
  await closeRedis(client);
  return stats(samples);
}

const fmt = (n: number) => n.toFixed(2);

async function main() {
  const redis = await TestRedisServer.start();
  // Redis mode needs its system of record; the handshake reads users and limits from it.
  const postgres = await TestPostgres.start();
  const configs = [
    { name: "embedded, no registry", redis: false, registry: false },
    { name: "embedded, registry (memory)", redis: false, registry: true },
    { name: "Redis, no registry", redis: true, registry: false },
    { name: "Redis, registry (Lua admission)", redis: true, registry: true },
  ];
  const rows: string[] = [];
  const instances = await Promise.all(
    configs.map(async (c) =>
      startInstance({
        redisUrl: c.redis ? redis.url : undefined,
        env: c.redis ? { DATABASE_URL: await postgres.createDatabase() } : {},
        features: c.registry ? [registryFeature] : [],
      }),
    ),
  );
  try {
    // Once the instances are up: test tokens provision their users and records in every running instance's stores.
    const tokens = await Promise.all(Array.from({ length: USERS }, (_, i) => tokenFor(`u${i}`)));
    const samples = configs.map(emptySamples);
    // Warm-up, then rounds that alternate between configurations, so that the machine's other load and
    // the JIT's warming spread over all of them alike.
    for (const instance of instances) await round(instance.url, tokens, 200, emptySamples());
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < configs.length; i++)
        await round(instances[i]!.url, tokens, Math.ceil(CONNECTS / ROUNDS), samples[i]!);
      console.error(`round ${r + 1} of ${ROUNDS} done`);
    }
    configs.forEach((c, i) => {
      const s = samples[i]!;
      const seq = stats(s.sequential);
      const con = stats(s.concurrent);
      const rate = s.concurrentCount / (s.concurrentMs / 1000);
      rows.push(
        `| ${c.name} | ${fmt(seq.p50)} | ${fmt(seq.p99)} | ${fmt(con.p50)} | ${fmt(con.p99)} | ${Math.round(rate)} |`,
      );
    });
    const admit = await admitRoundTrip(redis.url);
    console.log(
      `${CONNECTS} handshakes per column, WebSocket, API token, ${USERS} users round robin; ` +
        `concurrent: ${CONCURRENCY} in flight. Times in ms.\n`,
    );
    console.log("| configuration | p50 | p99 | p50 concurrent | p99 concurrent | connects/s concurrent |");
    console.log("| --- | --- | --- | --- | --- | --- |");
    for (const row of rows) console.log(row);
    console.log(
      `\nRedis registry admit() alone (limits read not included), sequential: p50 ${fmt(admit.p50)} ms, ` +
        `p99 ${fmt(admit.p99)} ms, mean ${fmt(admit.mean)} ms.`,
    );
  } finally {
    await Promise.all(instances.map((i) => i.close()));
    await Promise.all([redis.stop(), postgres.stop()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
