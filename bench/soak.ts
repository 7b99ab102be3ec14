// `npm run soak -- --minutes N`: clients keep connecting, editing and disconnecting against two instances on
// Redis. Every 10 s it samples each instance's resident memory and open file descriptors (sockets, files,
// timers' handles show up as growth elsewhere) and, at the end, fails if they kept growing after the warm-up.
import { readFile, readdir } from "node:fs/promises";
import { writeFile, mkdir } from "node:fs/promises";
import { EditingClient } from "../server/testing/editing-client";
import { tokenFor } from "../server/testing/clients";
import { startProcessInstance, type ProcessInstance } from "../server/testing/process-instance";
import { TestPostgres } from "../server/testing/postgres";
import { TestRedisServer } from "../server/testing/redis-server";
import { sharedChecklistBoard } from "../server/testing/converge";

const args = process.argv.slice(2);
const minutes = Number(args[args.indexOf("--minutes") + 1] ?? 2) || 2;
const SAMPLE_MS = 10_000;

async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function fds(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

/** The node process of an instance: the group leader we spawned. */
const pidOf = (i: ProcessInstance) => i.child.pid!;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function main() {
  const redis = await TestRedisServer.start();
  // The system of record that Redis mode needs, with fsync on as in production.
  const postgres = await TestPostgres.start({ fsync: true });
  const env = {
    REDIS_URL: redis.url,
    DATABASE_URL: await postgres.createDatabase(),
    SEED_DEMO_USERS: "true",
    MAX_CONNECTIONS_PER_USER: "100",
    LOG_LEVEL: "warn",
  };
  const instances = await Promise.all([
    startProcessInstance({ ...env, INSTANCE_ID: "soak-a" }),
    startProcessInstance({ ...env, INSTANCE_ID: "soak-b" }),
  ]);
  const lists = Array.from({ length: 40 }, (_, i) => `l${i}`);
  const samples: { t: number; rss: number[]; fds: number[]; clients: number; ops: number }[] = [];
  let ops = 0;
  let cycles = 0;
  const live = new Set<EditingClient>();
  const end = Date.now() + minutes * 60_000;
  try {
    // A fresh board every few cycles, so that boards, presence and logs come and go too.
    let boardId = await sharedChecklistBoard(instances[0]!.url, "alice", ["bob"], lists);
    let n = 0;
    const sampler = setInterval(() => {
      void Promise.all(
        instances.map(async (i) => [await rssKb(pidOf(i)), await fds(pidOf(i))] as const),
      ).then((v) => {
        samples.push({
          t: Date.now(),
          rss: v.map((x) => x[0]),
          fds: v.map((x) => x[1]),
          clients: live.size,
          ops,
        });
        const last = samples.at(-1)!;
        console.log(
          `${new Date().toISOString().slice(11, 19)} clients ${last.clients} ops ${ops} rss ${last.rss.map((r) => (r / 1024).toFixed(0)).join("/")} MB fds ${last.fds.join("/")}`,
        );
      });
    }, SAMPLE_MS);
    while (Date.now() < end) {
      cycles++;
      if (cycles % 10 === 0)
        boardId = await sharedChecklistBoard(instances[cycles % 2]!.url, "alice", ["bob"], lists);
      // A wave of 20 clients connects, edits for a few seconds, and leaves; another wave overlaps it.
      const wave: EditingClient[] = [];
      for (let i = 0; i < 20; i++) {
        const user = i % 2 ? "alice" : "bob";
        const c = new EditingClient(
          instances[i % 2]!.url,
          await tokenFor(user),
          `s${n++}`,
          boardId,
          lists[i % lists.length]!,
        );
        wave.push(c);
        live.add(c);
      }
      wave.forEach((c) => c.start(250));
      await new Promise((r) => setTimeout(r, 3_000));
      for (const c of wave) {
        c.stop();
        ops += c.acked.size;
        c.close();
        live.delete(c);
      }
      // Checklists fill up; fresh boards keep the soak going.
    }
    clearInterval(sampler);
  } finally {
    for (const c of live) c.close();
    await Promise.all(instances.map((i) => i.stop()));
    await Promise.all([redis.stop(), postgres.stop()]);
  }

  // After a warm-up (the first third), the last third must not sit clearly above the middle third.
  const third = Math.floor(samples.length / 3);
  const middle = samples.slice(third, 2 * third);
  const last = samples.slice(2 * third);
  const verdicts = [0, 1].map((i) => {
    const rssMid = median(middle.map((s) => s.rss[i]!));
    const rssEnd = median(last.map((s) => s.rss[i]!));
    const fdMid = median(middle.map((s) => s.fds[i]!));
    const fdEnd = median(last.map((s) => s.fds[i]!));
    const rssGrowth = rssMid ? (rssEnd - rssMid) / rssMid : 0;
    return {
      instance: i === 0 ? "a" : "b",
      rssMid,
      rssEnd,
      rssGrowth,
      fdMid,
      fdEnd,
      ok: rssGrowth < 0.15 && fdEnd <= fdMid + 20,
    };
  });
  const lines = [
    `# Soak: ${minutes} min, ${cycles} waves of 20 clients, ${ops} ops acknowledged`,
    "",
    `Command: \`npm run soak -- --minutes ${minutes}\`, ${new Date().toISOString()}. Two instances on one Redis.`,
    "",
    "| instance | RSS middle third | RSS last third | growth | fds middle | fds last | verdict |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...verdicts.map(
      (v) =>
        `| ${v.instance} | ${(v.rssMid / 1024).toFixed(1)} MB | ${(v.rssEnd / 1024).toFixed(1)} MB | ${(v.rssGrowth * 100).toFixed(1)}% | ${v.fdMid} | ${v.fdEnd} | ${v.ok ? "flat" : "GROWING"} |`,
    ),
    "",
    "Samples (every 10 s): time, clients, ops, RSS MB a/b, fds a/b",
    "",
    "```",
    ...samples.map(
      (s) =>
        `${new Date(s.t).toISOString().slice(11, 19)} ${s.clients} ${s.ops} ${s.rss.map((r) => (r / 1024).toFixed(1)).join("/")} ${s.fds.join("/")}`,
    ),
    "```",
  ];
  await mkdir("bench/results", { recursive: true });
  await writeFile(`bench/results/soak-${minutes}min.md`, `${lines.join("\n")}\n`);
  console.log(lines.slice(0, 8).join("\n"));
  if (samples.length < 6) {
    console.error("too short to judge growth; run at least a minute");
    return;
  }
  if (verdicts.some((v) => !v.ok)) {
    console.error("memory or handles kept growing");
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
