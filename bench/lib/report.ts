import { cpus, totalmem } from "node:os";
import { medianIndex, spread, verdict, type Spread, type Verdict } from "./rounds";
import type { FanoutResult, IdleResult, SlowConsumerResult, ThroughputResult } from "./scenarios";

export interface Results {
  quick: boolean;
  rounds: number;
  fanout: FanoutResult[];
  throughput: ThroughputResult[];
  idle: IdleResult[];
  slow?: SlowConsumerResult;
  /** Scenarios that stopped with an error: the report says so rather than leaving their rows out silently. */
  errors: string[];
  /** Scenarios this machine cannot run (say, a file-descriptor limit it may not raise), and why. */
  skipped: string[];
}

/** The labels run.ts gives its targets, which the targets table looks up. */
export const LABELS = {
  ws: "raw ws",
  sio: "plain Socket.IO",
  pb: "Pulseboard",
  embedded: "Pulseboard embedded",
  pbNoBatch: "Pulseboard, BOARD_OP_BATCH_MS=0",
  sio2: "plain Socket.IO, 2 instances",
  pb2: "Pulseboard, 2 instances",
} as const;

const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const n1 = (x: number) => x.toFixed(1);
const n2 = (x: number) => x.toFixed(2);
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const kb = (bytes: number) => `${n1(bytes / 1024)} KB`;
const mb = (bytes: number) => `${n1(bytes / 2 ** 20)} MB`;
const range = (s: Spread | undefined, f: (x: number) => string) =>
  !s || s.n < 2 ? "-" : `${f(s.min)}-${f(s.max)}`;

/** Rows of one fan-out setting (scenario, viewers, rate), per target, in the order the targets ran. */
function groups(rows: FanoutResult[]): FanoutResult[][] {
  const byKey = new Map<string, FanoutResult[]>();
  for (const r of rows) {
    const key = `${r.scenario}|${r.viewers}|${r.rate}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  return [...byKey.values()];
}

function byTarget<T extends { target: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) out.set(r.target, [...(out.get(r.target) ?? []), r]);
  return out;
}

/**
 * A markdown table with one line per target: `line` gets the target's rounds and the round whose `figure` is the
 * median (the one shown), and the spread of that figure over the rounds.
 */
function perTargetTable<T extends { target: string }>(
  columns: string[],
  rows: T[],
  figure: (r: T) => number,
  line: (shown: T, runs: T[], figureSpread: Spread | undefined) => string[],
): string[] {
  const lines = [`| ${columns.join(" | ")} |`, `|${" --- |".repeat(columns.length)}`];
  for (const [target, runs] of byTarget(rows)) {
    const values = runs.map(figure);
    lines.push(`| ${[target, ...line(runs[medianIndex(values)]!, runs, spread(values))].join(" | ")} |`);
  }
  return lines;
}

function fanoutTable(rows: FanoutResult[]): string[] {
  return perTargetTable(
    [
      "server",
      "delivered / expected",
      "lost",
      "out of order",
      "deliveries/s",
      "frames per op",
      "p50 ms",
      "p99 ms",
      "p99 spread",
      "max ms",
      "server CPU µs/delivery",
      "CPU spread",
      "Redis CPU µs/delivery",
      "load generator CPU",
    ],
    rows,
    (r) => r.serverCpuUsPerDelivery,
    (r, runs, cpu) => [
      `${n0(r.delivered)} / ${n0(r.expected)}`,
      `${r.lost}`,
      `${r.outOfOrder}`,
      n0(r.deliveriesPerSec),
      n2(r.framesPerOp),
      n1(r.p50),
      n1(r.p99),
      range(spread(runs.map((x) => x.p99)), n1),
      n1(r.max),
      n2(r.serverCpuUsPerDelivery),
      range(cpu, n2),
      n2(r.redisCpuUsPerDelivery),
      pct(r.loadGenCpuShare),
    ],
  );
}

/** One figure of `num` over the same figure of `den`, per round, for the rows of one setting. */
function ratio<T extends { target: string; round: number }>(
  rows: T[],
  num: string,
  den: string,
  figure: (r: T) => number | undefined,
): Spread | undefined {
  const values: number[] = [];
  for (const a of rows.filter((r) => r.target === num)) {
    const b = rows.find((r) => r.target === den && r.round === a.round);
    const x = figure(a);
    const y = b && figure(b);
    if (x !== undefined && y !== undefined && y > 0) values.push(x / y);
  }
  return spread(values);
}

interface TargetRow {
  name: string;
  goal: string;
  measured: string;
  spread: string;
  verdict: Verdict | "not measured";
}

function fanoutRows(res: Results, scenario: string, viewers: number, rate: number): FanoutResult[] {
  return res.fanout.filter((r) => r.scenario === scenario && r.viewers === viewers && r.rate === rate);
}

function ratioRow(
  name: string,
  s: Spread | undefined,
  goal: { atMost: number } | { atLeast: number },
  what: string,
): TargetRow {
  const goalText =
    "atMost" in goal ? `≤ ${goal.atMost.toFixed(1)}x ${what}` : `≥ ${goal.atLeast.toFixed(1)}x ${what}`;
  if (!s) return { name, goal: goalText, measured: "", spread: "", verdict: "not measured" };
  return {
    name,
    goal: goalText,
    measured: `${n2(s.median)}x`,
    spread: s.n > 1 ? `${n2(s.min)}-${n2(s.max)}x (${s.n} rounds)` : "1 round",
    verdict: verdict(s, goal),
  };
}

const cpuOf = (r: FanoutResult) => r.serverCpuUsPerDelivery;

function targets(res: Results): TargetRow[] {
  const out: TargetRow[] = [];
  for (const [scenario, viewers] of [
    ["fanout1000", 1_000],
    ["fanout5000", 5_000],
  ] as const) {
    const rows = fanoutRows(res, scenario, viewers, 10);
    out.push(
      ratioRow(
        `Server CPU per delivered op, ${n0(viewers)} viewers at 10 ops/s`,
        ratio(rows, LABELS.pb, LABELS.sio, cpuOf),
        { atMost: 1 },
        "plain Socket.IO",
      ),
      ratioRow(
        `Server CPU per delivered op, ${n0(viewers)} viewers at 10 ops/s, embedded (SQLite, no Redis)`,
        ratio(rows, LABELS.embedded, LABELS.sio, cpuOf),
        { atMost: 1 },
        "plain Socket.IO",
      ),
    );
  }
  const at100 = fanoutRows(res, "coalescing", 1_000, 100);
  out.push(
    ratioRow(
      "Server CPU per delivered op, 1,000 viewers at 100 ops/s, one board",
      ratio(at100, LABELS.pb, LABELS.sio, cpuOf),
      { atMost: 0.7 },
      "plain Socket.IO",
    ),
    ratioRow(
      "Server CPU per delivered op, 1,000 viewers at 100 ops/s, one board",
      ratio(at100, LABELS.pb, LABELS.ws, cpuOf),
      { atMost: 1 },
      "raw ws",
    ),
    ratioRow(
      "Max sustained delivered ops/s, one instance, p99 ≤ 250 ms",
      ratio(
        res.throughput,
        LABELS.pb,
        LABELS.sio,
        // A round whose ladder failed at its first step has no figure (it is below where it started): left out.
        (t) => t.best?.deliveriesPerSec,
      ),
      { atLeast: 1.5 },
      "plain Socket.IO",
    ),
    ratioRow(
      "p99 fan-out latency, 1,000 viewers at 10 ops/s over 2 instances",
      ratio(fanoutRows(res, "twoInstances", 1_000, 10), LABELS.pb2, LABELS.sio2, (r) => r.p99),
      { atMost: 1 },
      "plain Socket.IO",
    ),
  );
  const memory = res.idle.filter((r) => r.scenario === "memory");
  const pbIdle = memory.filter((r) => r.target === LABELS.pb);
  const perConn = spread(pbIdle.map((r) => r.serverBytesPerConn + r.redisBytesPerConn));
  out.push(
    perConn
      ? {
          name: "Memory per idle authenticated connection, instance plus Redis",
          goal: "≤ 10 KB",
          measured: kb(perConn.median),
          spread: perConn.n > 1 ? `${kb(perConn.min)}-${kb(perConn.max)} (${perConn.n} rounds)` : "1 round",
          verdict: verdict(perConn, { atMost: 10 * 1024 }),
        }
      : {
          name: "Memory per idle authenticated connection, instance plus Redis",
          goal: "≤ 10 KB",
          measured: "",
          spread: "",
          verdict: "not measured",
        },
    ratioRow(
      "Authenticated connects/s with the registry",
      ratio(memory, LABELS.pb, LABELS.sio, (r) => r.connectPerSec),
      { atLeast: 0.8 },
      "plain Socket.IO's unauthenticated rate",
    ),
  );
  const big = res.idle.find((r) => r.scenario === "idle50k");
  const bigError = res.errors.find((e) => e.startsWith("idle50k"));
  const bigSkipped = res.skipped.find((e) => e.startsWith("idle50k"));
  out.push({
    name: "50,000 idle connections on one instance",
    goal: "held",
    measured: big
      ? `${n0(big.held)} of ${n0(big.connections)} held: ${n0(big.connectPerSec)} connects/s, ${kb(big.serverBytesPerConn)} + ${kb(big.redisBytesPerConn)} Redis per connection, ${n1(big.restCpuPercent ?? 0)}% CPU at rest`
      : (bigError ?? bigSkipped ?? ""),
    spread: big ? "1 round" : "",
    verdict: big ? (big.held >= 50_000 ? "met" : "missed") : bigError ? "missed" : "not measured",
  });
  const slow = res.slow;
  if (slow) {
    // What the stalled viewers added: the growth beside them, less what the same load left behind without them.
    const growth = slow.rssEnd - slow.rssStart - Math.max(0, slow.rssGrowthWithout);
    const p99 = slow.with.p99 / Math.max(0.001, slow.without.p99);
    out.push(
      {
        name: `Slow consumers: instance memory flat (${slow.stalled} stalled viewers, ${slow.rate} ops/s for ${slow.seconds} s)`,
        goal: "growth ≤ 25% of the no-cap estimate",
        measured: `${mb(growth)} growth (max ${mb(slow.rssMax - slow.rssStart)}, readers alone ${mb(slow.rssGrowthWithout)}) against ${mb(slow.noCapEstimate)}`,
        spread: "1 round",
        verdict: growth <= 0.25 * slow.noCapEstimate ? "met" : "missed",
      },
      {
        name: "Slow consumers: readers' p99 beside stalled viewers",
        goal: "≤ 1.2x without them",
        measured: `${n2(p99)}x (${n1(slow.with.p99)} ms against ${n1(slow.without.p99)} ms)`,
        spread: "1 round",
        verdict: p99 <= 1.2 ? "met" : "missed",
      },
      {
        name: "Slow consumers: every stalled viewer converges after resuming",
        goal: `all, within ${n0(slow.converge.deadlineMs / 1000)} s`,
        measured: `${slow.converge.converged} of ${slow.converge.total} in ${n0(slow.converge.ms)} ms`,
        spread: "1 round",
        verdict: slow.converge.converged === slow.converge.total ? "met" : "missed",
      },
    );
  } else
    out.push({
      name: "Slow consumers",
      goal: "as in issue 17, item 3",
      measured: "",
      spread: "",
      verdict: "not measured",
    });
  return out;
}

function idleTable(rows: IdleResult[]): string[] {
  return perTargetTable(
    [
      "server",
      "connections",
      "connects/s",
      "connects/s spread",
      "instance RSS per connection",
      "RSS spread",
      "Redis memory per connection",
    ],
    rows,
    (r) => r.serverBytesPerConn + r.redisBytesPerConn,
    (r, runs) => [
      n0(r.connections),
      n0(r.connectPerSec),
      range(spread(runs.map((x) => x.connectPerSec)), n0),
      kb(r.serverBytesPerConn),
      range(spread(runs.map((x) => x.serverBytesPerConn)), kb),
      kb(r.redisBytesPerConn),
    ],
  );
}

function throughputTable(rows: ThroughputResult[]): string[] {
  return perTargetTable(
    [
      "server",
      "max sustained ops/s",
      "deliveries/s",
      "spread",
      "p99 ms there",
      "server CPU µs/delivery there",
      "load generator CPU there",
      "failing step",
    ],
    rows,
    (t) => t.best?.deliveriesPerSec ?? 0,
    (t, _runs, rates) => {
      const b = t.best;
      const last = t.steps.at(-1);
      const failed = last !== b ? last : undefined;
      const fail = failed
        ? `${failed.rate} ops/s: p99 ${n0(failed.p99)} ms, ${pct(failed.delivered / Math.max(1, failed.expected))} delivered`
        : "none";
      const sp = range(rates, n0);
      return b
        ? [
            `${b.rate}`,
            n0(b.deliveriesPerSec),
            sp,
            n1(b.p99),
            n2(b.serverCpuUsPerDelivery),
            pct(b.loadGenCpuShare),
            fail,
          ]
        : ["below the first step", "", sp, "", "", "", fail];
    },
  );
}

const SECTIONS: Record<string, (r: FanoutResult) => string> = {
  quick: (r) => `Quick check: ${n0(r.viewers)} viewers at ${r.rate} ops/s`,
  quickCoalescing: (r) =>
    `Quick check, coalesced delivery: ${n0(r.viewers)} viewers at ${r.rate} ops/s on one board`,
  fanout1000: (r) => `Fan-out: ${n0(r.viewers)} viewers at ${r.rate} ops/s`,
  fanout5000: (r) => `Fan-out: ${n0(r.viewers)} viewers at ${r.rate} ops/s`,
  coalescing: (r) => `Coalescing: ${n0(r.viewers)} viewers at ${r.rate} ops/s on one board`,
  twoInstances: (r) => `Two instances: ${n0(r.viewers)} viewers at ${r.rate} ops/s`,
};

/**
 * The markdown report, and the correctness failures: a lost or reordered delivery, a refused op, or (quick) a
 * stalled viewer that did not converge. Losses count as failures except where the scenario pushes a server past
 * what it can deliver (coalescing at high rates, the throughput ladder): there they are what is measured.
 */
export function formatReport(res: Results, run: { command: string; seconds: number }) {
  const failures: string[] = [];
  for (const r of res.fanout) {
    const where = `${r.scenario}, ${r.target}, ${r.viewers} viewers at ${r.rate} ops/s, round ${r.round + 1}`;
    if (r.lost > 0 && r.scenario !== "coalescing") failures.push(`${where}: ${r.lost} deliveries lost`);
    if (r.outOfOrder > 0) failures.push(`${where}: ${r.outOfOrder} out of order`);
    if (r.publishFailed > 0) failures.push(`${where}: ${r.publishFailed} ops refused (${r.firstError})`);
  }
  const slow = res.slow;
  if (slow) {
    for (const r of [slow.without, slow.with]) {
      if (r.lost > 0) failures.push(`slow consumers, readers: ${r.lost} deliveries lost`);
      if (r.outOfOrder > 0) failures.push(`slow consumers, readers: ${r.outOfOrder} out of order`);
      if (r.publishFailed > 0)
        failures.push(`slow consumers: ${r.publishFailed} ops refused (${r.firstError})`);
    }
    if (slow.converge.converged < slow.converge.total)
      failures.push(
        `slow consumers: ${slow.converge.total - slow.converge.converged} of ${slow.converge.total} stalled viewers did not converge${slow.converge.firstError ? ` (${slow.converge.firstError})` : ""}`,
      );
  }
  failures.push(...res.errors);
  const cpu = cpus();
  const lines = [
    `# Benchmark${res.quick ? " (quick)" : ""}`,
    "",
    `Machine: ${cpu.length} × ${cpu[0]?.model.trim()}, ${n0(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    `Command: \`npm run bench${run.command ? ` -- ${run.command}` : ""}\` (${n0(run.seconds)} s). Servers, Redis and the load generators share the machine.`,
    `Each scenario ran its servers in ${res.rounds} interleaved round${res.rounds === 1 ? "" : "s"} (A B C, A B C, ...). A ratio is taken within each round and reported as the median with its spread (min-max over the rounds); a goal the spread straddles is inconclusive. Tables show each server's median round (by the figure in bold in the heading) and the spread over rounds.`,
  ];
  const t = res.quick ? [] : targets(res);
  if (t.length) {
    lines.push(
      "",
      "## Targets (issue 17)",
      "",
      "| target | goal | measured (median) | spread | |",
      "| --- | --- | --- | --- | --- |",
      ...t.map((x) => `| ${x.name} | ${x.goal} | ${x.measured} | ${x.spread} | ${x.verdict} |`),
    );
  }
  const fanGroups = groups(res.fanout);
  if (fanGroups.length)
    lines.push(
      "",
      "## Fan-out: one publisher, every viewer in one room (median round by **server CPU µs/delivery**)",
      "",
      "Latency is end to end, from the publisher sending an op to a viewer receiving it, on one machine clock; lost means not arrived 5 s after the last delivery; an op delivered inside a `board:ops` batch counts as one delivery with its own latency, and frames per op counts each `board:op` or `board:ops` frame once. CPU is the server processes' own user + system time over the window, divided by the deliveries; Redis's is shown apart. The load generator's CPU is its share of the machine's 2 cores: near 100% means it, not the server, set the pace.",
    );
  for (const rows of fanGroups) {
    const first = rows[0]!;
    lines.push(
      "",
      `### ${(SECTIONS[first.scenario] ?? SECTIONS.fanout1000!)(first)}`,
      "",
      ...fanoutTable(rows),
    );
  }
  const memory = res.idle.filter((r) => r.scenario === "memory");
  if (memory.length) {
    lines.push(
      "",
      "## 10,000 idle connections (median round by **instance + Redis bytes per connection**)",
      "",
      "Each measurement starts a fresh instance. Memory is the slope: the server's resident memory (its lowest over 3 s, between collections) after 1,000 connections and again after 10,000 more, divided by 10,000. Pulseboard's connections are authenticated with API tokens and admitted by the Redis registry; the registry's entries are in Redis and shown apart. The connect rate is for those 10,000, opened 50 at a time per load generator.",
      "",
      ...idleTable(memory),
    );
  }
  const big = res.idle.find((r) => r.scenario === "idle50k");
  if (big) {
    lines.push(
      "",
      `## ${n0(big.connections)} idle authenticated connections on one instance`,
      "",
      `Opened over the load generators, each from its own loopback address (127.0.0.2, .3, ...), with the open-file limits raised with prlimit where they were too low. The first 1,000 are the baseline; the slope is over the rest. CPU at rest is the instance's user + system time over ${n0((big.restMs ?? 0) / 1000)} s with every connection idle (heartbeats only), in % of one core.`,
      "",
      "| server | connections | held at the end | connects/s | instance RSS per connection | Redis memory per connection | CPU at rest |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      `| ${big.target} | ${n0(big.connections)} | ${n0(big.held)} | ${n0(big.connectPerSec)} | ${kb(big.serverBytesPerConn)} | ${kb(big.redisBytesPerConn)} | ${n1(big.restCpuPercent ?? 0)}% |`,
    );
  }
  if (res.throughput.length) {
    lines.push(
      "",
      "## Max throughput: the op rate rises until p99 > 250 ms or fewer than 99% arrive (median round by **deliveries/s**)",
      "",
      "1,000 viewers on one instance. The first round climbs by 30% a step from 30 ops/s, then by 8% from the last rate that held; later rounds climb by 8% from 85% of the first round's figure, or step down by 8% until a rate holds when that one does not. Each step lasts 4 s.",
      "",
      ...throughputTable(res.throughput),
    );
  }
  if (slow) {
    const c = slow.converge;
    lines.push(
      "",
      `## Slow consumers: ${n0(slow.readers)} readers and ${slow.stalled} viewers that stop reading, ${slow.rate} ops/s for ${slow.seconds} s`,
      "",
      "The same load twice on one instance: readers alone, then readers beside viewers whose TCP sockets are paused (the kernel's buffers fill, then the server's). The instance's RSS is read settled before and after each window and sampled every second through the second. The no-cap estimate is what the server would hold with nothing dropped: stalled × ops × bytes per op frame; the kernel's socket buffers take part of it. Then the stalled viewers resume: each applies what arrives in revision order, calls `board:sync` on a gap or a `board:resync`, connects and joins again if the server dropped it, and must reach the board's last revision.",
      "",
      "| readers | p99 ms | p50 ms | lost | out of order |",
      "| --- | --- | --- | --- | --- |",
      `| alone | ${n1(slow.without.p99)} | ${n1(slow.without.p50)} | ${slow.without.lost} | ${slow.without.outOfOrder} |`,
      `| beside ${slow.stalled} stalled | ${n1(slow.with.p99)} | ${n1(slow.with.p50)} | ${slow.with.lost} | ${slow.with.outOfOrder} |`,
      "",
      `Instance RSS beside the stalled viewers: ${mb(slow.rssStart)} at the start, ${mb(slow.rssMax)} at most, ${mb(slow.rssEnd)} at the end (settled: the lowest over 3 s); the same window without them grew it by ${mb(slow.rssGrowthWithout)}. The no-cap estimate is ${mb(slow.noCapEstimate)}; memory counts as flat when the growth the stalled viewers add (beside them, less without them) stays within a quarter of it.`,
      `Outbound cap: ${slow.capActions === undefined ? "the instance exposes no `pulseboard_slow_consumers_total`" : `${slow.capActions} drops and disconnects (\`pulseboard_slow_consumers_total\`) over the window`}. On loopback the kernel takes up to about 4 MB per paused connection (the sender's autotuned send buffer) before anything waits in the server, so a stalled viewer must be sent more than that before the cap can act (\`--slow-rate\`, \`--slow-seconds\`).`,
      `Convergence: ${c.converged} of ${c.total} in ${n0(c.ms)} ms (deadline ${n0(c.deadlineMs / 1000)} s); ${c.resyncs} \`board:resync\` received, ${c.gaps} gaps detected, ${c.syncs} \`board:sync\` calls, ${c.reconnects} reconnects, ${n0(c.receivedWhileStalled)} ops received while paused.${c.firstError ? ` First error: ${c.firstError}.` : ""}`,
    );
  }
  if (res.errors.length) lines.push("", "## Scenarios that failed", "", ...res.errors.map((e) => `- ${e}`));
  if (res.skipped.length) lines.push("", "## Scenarios not run", "", ...res.skipped.map((e) => `- ${e}`));
  lines.push(
    "",
    failures.length
      ? `Correctness: FAILED (${failures.join("; ")})`
      : "Correctness: nothing lost, order kept, batches applied as their ops, every op acknowledged.",
    "",
  );
  return { text: lines.join("\n"), failures };
}
