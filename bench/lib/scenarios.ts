import { LogHistogram } from "../../server/metrics/log-histogram";
import {
  sumCounters,
  type ConnectResult,
  type ConvergeReport,
  type PublishReport,
  type ServerKind,
  type ViewReport,
} from "./ipc";
import type { LoadGenPool } from "./pool";
import type { BenchBoard } from "./pulseboard-setup";
import { cpuMicros, rssBytes } from "./proc";
import type { BenchServer } from "./servers";

/** One server under test: its instances, and how its viewers and publisher reach it. */
export interface Target {
  label: string;
  kind: ServerKind;
  instances: BenchServer[];
  /** Pulseboard: the board everyone joins, and the tokens. */
  board?: BenchBoard;
  /** Redis's pid, whose CPU is reported beside the servers' own. */
  redisPid?: number;
  /**
   * References only: the last revision their publisher numbered, so that each window continues from it and a
   * straggler from the window before is told apart (Pulseboard's board says its own revision).
   */
  lastRev?: number;
}

/** Where a result belongs: which scenario, which interleaved round (from 0). */
export interface Tag {
  scenario: string;
  round: number;
}

/** `viewers` in one room, and one publisher sending `rate` ops/s for `durationMs`. */
export interface Load {
  viewers: number;
  rate: number;
  durationMs: number;
  /** Pulseboard: note ops of about this many bytes instead of KPI values (see PublishSpec). */
  padBytes?: number;
}

export interface FanoutResult extends Tag {
  target: string;
  viewers: number;
  rate: number;
  expected: number;
  delivered: number;
  lost: number;
  outOfOrder: number;
  publishFailed: number;
  deliveriesPerSec: number;
  /** Frames the viewers received per delivered op: below 1 when ops arrive batched in `board:ops`. */
  framesPerOp: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  serverCpuUsPerDelivery: number;
  redisCpuUsPerDelivery: number;
  loadGenCpuShare: number;
  publisherMaxLagMs: number;
  firstError?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens `count` viewers spread evenly over the pool's generators; returns the wall time of the slowest. */
export async function openViewers(
  pool: LoadGenPool,
  target: Target,
  count: number,
  join: boolean,
  opts: { stalled?: boolean; spreadAddresses?: boolean } = {},
) {
  const per = Math.ceil(count / pool.viewers.length);
  const results = await pool.all<ConnectResult>((_g, i) => ({
    type: "connect",
    spec: {
      kind: target.kind,
      // Rotate the instance list per generator, so that each instance gets an even share.
      urls: target.instances.map((_, k) => target.instances[(k + i) % target.instances.length]!.url),
      count: Math.max(0, Math.min(per, count - i * per)),
      tokens: target.board ? rotate(target.board.viewerTokens, i * 7) : undefined,
      boardId: join ? target.board?.boardId : undefined,
      concurrency: 50,
      stalled: opts.stalled,
      // 127.0.0.2, .3, ...: each generator from its own address, so that each has the ephemeral ports to itself.
      localAddress: opts.spreadAddresses ? `127.0.0.${2 + i}` : undefined,
    },
  }));
  const failed = results.reduce((s, r) => s + r.failed, 0);
  if (failed > 0)
    throw new Error(
      `${failed} of ${count} viewers failed to connect: ${results.find((r) => r.firstError)?.firstError}`,
    );
  return { ms: Math.max(...results.map((r) => r.ms)) };
}

function rotate<T>(items: T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export async function closeViewers(pool: LoadGenPool): Promise<void> {
  await pool.all(() => ({ type: "close" }));
  await sleep(500);
}

async function collect(pool: LoadGenPool) {
  const reports = await pool.all<ViewReport>(() => ({ type: "report" }));
  const histogram = new LogHistogram();
  for (const r of reports) histogram.addSparse(r.latency);
  return {
    histogram,
    received: reports.reduce((s, r) => s + r.received, 0),
    frames: reports.reduce((s, r) => s + r.frames, 0),
    outOfOrder: reports.reduce((s, r) => s + r.outOfOrder, 0),
  };
}

/**
 * One measured window: the publisher sends `rate` ops/s for `durationMs` to the first instance, every viewer
 * records each delivery, and the servers' CPU is read before and after, until the deliveries stop arriving.
 */
export async function publishWindow(
  pool: LoadGenPool,
  target: Target,
  load: Load,
  tag: Tag,
): Promise<FanoutResult> {
  const { viewers, rate, durationMs } = load;
  const board = target.board;
  const startRev = board ? await board.currentRev() : (target.lastRev ?? 0);
  await pool.all(() => ({ type: "measure", fromRev: startRev + 1 }));
  const pids = target.instances.map((s) => s.pid);
  const cpuBefore = pids.reduce((s, pid) => s + cpuMicros(pid), 0);
  const redisBefore = target.redisPid ? cpuMicros(target.redisPid) : 0;
  const genBefore = pool.cpuMicros();
  const started = performance.now();
  const published = await pool.publisher.request<PublishReport>({
    type: "publish",
    spec: {
      kind: target.kind,
      url: target.instances[0]!.url,
      token: board?.publisherToken,
      boardId: board?.boardId ?? "bench",
      widgetId: board?.widgetId ?? "kpi",
      startRev,
      ratePerSec: rate,
      durationMs,
      padBytes: load.padBytes,
      noteWidgetId: board?.noteWidgetId,
    },
  });
  if (!board) target.lastRev = published.lastRev;
  const expected = published.acked * viewers;
  // Wait for the stragglers: until everything arrived, or nothing more arrives for five seconds (a busy machine
  // stalls a server for seconds at times; what has not arrived by then counts as lost).
  let seen = -1;
  let got = await collect(pool);
  for (let idle = 0; got.received < expected && idle < 20;) {
    await sleep(250);
    got = await collect(pool);
    idle = got.received === seen ? idle + 1 : 0;
    seen = got.received;
  }
  const wallMs = performance.now() - started;
  const cpuUs = pids.reduce((s, pid) => s + cpuMicros(pid), 0) - cpuBefore;
  const redisUs = target.redisPid ? cpuMicros(target.redisPid) - redisBefore : 0;
  const genUs = pool.cpuMicros() - genBefore;
  const { histogram } = got;
  const q = (x: number) => histogram.quantile(x) ?? 0;
  return {
    ...tag,
    target: target.label,
    viewers,
    rate,
    expected,
    delivered: got.received,
    lost: Math.max(0, expected - got.received),
    outOfOrder: got.outOfOrder,
    publishFailed: published.failed,
    deliveriesPerSec: got.received / (durationMs / 1000),
    framesPerOp: got.frames / Math.max(1, got.received),
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    max: q(1),
    serverCpuUsPerDelivery: cpuUs / Math.max(1, got.received),
    redisCpuUsPerDelivery: redisUs / Math.max(1, got.received),
    loadGenCpuShare: genUs / 1000 / wallMs / 2,
    publisherMaxLagMs: published.maxLagMs,
    firstError: published.firstError,
  };
}

export async function fanout(pool: LoadGenPool, target: Target, load: Load, tag: Tag): Promise<FanoutResult> {
  return (await fanoutRates(pool, target, load.viewers, [load.rate], load.durationMs, tag))[0]!;
}

/**
 * One set of viewers, then one measured window per rate, each after a 1 s warm-up at that rate, so that the JIT and
 * the sockets' buffers are settled (and a batching window has found its rhythm) before measuring.
 */
export async function fanoutRates(
  pool: LoadGenPool,
  target: Target,
  viewers: number,
  rates: number[],
  durationMs: number,
  tag: Tag,
): Promise<FanoutResult[]> {
  await openViewers(pool, target, viewers, true);
  try {
    const out: FanoutResult[] = [];
    for (const rate of rates) {
      await publishWindow(pool, target, { viewers, rate, durationMs: 1_000 }, tag);
      out.push(await publishWindow(pool, target, { viewers, rate, durationMs }, tag));
    }
    return out;
  } finally {
    await closeViewers(pool);
  }
}

export interface ThroughputResult extends Tag {
  target: string;
  viewers: number;
  steps: FanoutResult[];
  best?: FanoutResult;
}

/**
 * Raises the op rate until p99 passes 250 ms or fewer than 99% of the deliveries arrive: by 30% a step from
 * `startRate`, then by 8% a step from the last rate that held, so that the figure is not hostage to a coarse ladder.
 * With `fine`, only the 8% climb, from `startRate` (a later round starts below the first round's figure).
 */
export async function maxThroughput(
  pool: LoadGenPool,
  target: Target,
  viewers: number,
  startRate: number,
  stepMs: number,
  tag: Tag,
  fine = false,
): Promise<ThroughputResult> {
  await openViewers(pool, target, viewers, true);
  const steps: FanoutResult[] = [];
  let best: FanoutResult | undefined;
  /** One step at `rate`: whether it held. */
  const step = async (rate: number) => {
    // A failed step leaves a backlog behind; let it drain before the next one starts.
    const last = steps.at(-1);
    await sleep(last && last !== best ? 3_000 : 500);
    const r = await publishWindow(pool, target, { viewers, rate, durationMs: stepMs }, tag);
    steps.push(r);
    if (!(r.p99 <= 250 && r.delivered >= 0.99 * r.expected && r.publishFailed === 0)) return false;
    best = r;
    return true;
  };
  const climb = async (from: number, factor: number) => {
    let rate = from;
    while (await step(rate)) rate = Math.round(rate * factor);
  };
  try {
    await publishWindow(pool, target, { viewers, rate: startRate, durationMs: 1_000 }, tag);
    if (fine) {
      await climb(startRate, 1.08);
      // A later round that starts above what holds this time steps down by the same factor until a rate holds (ten
      // steps at most, to half the start), rather than counting as nothing.
      let rate = startRate;
      for (let i = 0; i < 10 && !best; i++) await step((rate = Math.round(rate / 1.08)));
    } else {
      await climb(startRate, 1.3);
      const held = best as FanoutResult | undefined;
      if (held) await climb(Math.round(held.rate * 1.08), 1.08);
    }
  } finally {
    await closeViewers(pool);
  }
  return { ...tag, target: target.label, viewers, steps, best };
}

export interface IdleResult extends Tag {
  target: string;
  connections: number;
  connectPerSec: number;
  serverBytesPerConn: number;
  redisBytesPerConn: number;
  /** Connections still open at the end, after the rest (if any): the generators' count. */
  held: number;
  /** The instance's CPU over `restMs` with every connection open and idle (heartbeats only), in % of one core. */
  restCpuPercent?: number;
  restMs?: number;
}

/**
 * The lowest RSS over a few seconds: the heap between collections, so that a collection landing on one side of the
 * measurement and not the other does not swing the figure by megabytes.
 */
async function settledRss(pid: number): Promise<number> {
  let low = Infinity;
  for (let i = 0; i < 12; i++) {
    low = Math.min(low, rssBytes(pid));
    await sleep(250);
  }
  return low;
}

/** Connections opened before the baseline is read. */
const MEMORY_WARMUP = 1_000;

/**
 * Opens `count` idle connections on top of MEMORY_WARMUP, and reads the server's (and Redis's) memory between the
 * two. The slope, not the total from zero: the first burst of handshakes also grows V8's young generation (tens of
 * megabytes, once, whatever the number of connections), which is not a cost of any one connection.
 */
export async function idleMemory(
  pool: LoadGenPool,
  target: Target,
  count: number,
  redisUsedMemory: () => Promise<number>,
  tag: Tag,
  opts: { restMs?: number; spreadAddresses?: boolean } = {},
): Promise<IdleResult> {
  const server = target.instances[0]!;
  const single: Target = { ...target, instances: [server] };
  const spread = { spreadAddresses: opts.spreadAddresses };
  await openViewers(pool, single, MEMORY_WARMUP, false, spread);
  await sleep(1_000);
  const rssBefore = await settledRss(server.pid);
  const redisBefore = await redisUsedMemory();
  const { ms } = await openViewers(pool, single, count, false, spread);
  await sleep(2_000);
  const rssAfter = await settledRss(server.pid);
  const redisAfter = await redisUsedMemory();
  let restCpuPercent: number | undefined;
  if (opts.restMs) {
    const before = cpuMicros(server.pid);
    await sleep(opts.restMs);
    restCpuPercent = ((cpuMicros(server.pid) - before) / 1000 / opts.restMs) * 100;
  }
  const counts = await pool.all<{ type: "counted"; open: number }>(() => ({ type: "count" }));
  const held = counts.reduce((sum, c) => sum + c.open, 0);
  await closeViewers(pool);
  return {
    ...tag,
    restCpuPercent,
    restMs: opts.restMs,
    held,
    target: target.label,
    connections: count,
    connectPerSec: count / (ms / 1000),
    serverBytesPerConn: (rssAfter - rssBefore) / count,
    redisBytesPerConn: Math.max(0, redisAfter - redisBefore) / count,
  };
}

export interface SlowConsumerResult {
  target: string;
  readers: number;
  stalled: number;
  rate: number;
  seconds: number;
  /** The readers with no stalled viewer beside them, then with them: the same load, one after the other. */
  without: FanoutResult;
  with: FanoutResult;
  /**
   * The instance's RSS through the window with the stalled viewers: settled (the lowest over 3 s, between
   * collections) before and after it, sampled every second in between.
   */
  rssStart: number;
  rssMax: number;
  rssEnd: number;
  /** The same settled growth over the window without them: what the readers' load alone leaves behind. */
  rssGrowthWithout: number;
  /** What the stalled viewers would hold in the instance with nothing dropped: stalled × ops × bytes per op frame. */
  noCapEstimate: number;
  /**
   * What the instance's outbound cap did over the window, from its /metrics (`pulseboard_slow_consumers_total`,
   * all labels summed); undefined where the instance does not expose it.
   */
  capActions?: number;
  converge: Omit<ConvergeReport, "type"> & { deadlineMs: number };
}

/** The sum of a Prometheus counter over its labels on an instance's /metrics, or undefined if it is not there. */
async function scrapeCounter(url: string, name: string): Promise<number | undefined> {
  const text = await fetch(`${url}/metrics`).then(
    (r) => (r.ok ? r.text() : ""),
    () => "",
  );
  let total: number | undefined;
  for (const line of text.split("\n")) {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`).exec(line);
    if (m) total = (total ?? 0) + Number(m[1]);
  }
  return total;
}

const CAP_COUNTER = "pulseboard_slow_consumers_total";

/** Roughly what one `board:op` frame of the publisher's KPI op weighs on the wire (measured in JSON). */
const OP_FRAME_BYTES = 260;

/**
 * `readers` viewers at `rate` ops/s for `durationMs`, first alone, then beside `stalled` viewers that stop reading
 * their sockets from the start of the window. The instance's memory is sampled every second; afterwards the stalled
 * viewers resume, and each must reach the board's last revision within `deadlineMs`.
 */
export async function slowConsumers(
  pool: LoadGenPool,
  target: Target,
  load: {
    readers: number;
    stalled: number;
    rate: number;
    durationMs: number;
    deadlineMs: number;
    padBytes?: number;
  },
  tag: Tag,
): Promise<SlowConsumerResult> {
  const board = target.board!;
  const server = target.instances[0]!;
  const single: Target = { ...target, instances: [server] };
  const window = {
    viewers: load.readers,
    rate: load.rate,
    durationMs: load.durationMs,
    padBytes: load.padBytes,
  };
  await openViewers(pool, single, load.readers, true);
  let without: FanoutResult;
  let withStalled: FanoutResult;
  const rss: number[] = [];
  try {
    await publishWindow(pool, single, { ...window, durationMs: 1_000 }, tag);
    const withoutStart = await settledRss(server.pid);
    without = await publishWindow(pool, single, window, tag);
    const rssGrowthWithout = (await settledRss(server.pid)) - withoutStart;
    await openViewers(pool, single, load.stalled, true, { stalled: true });
    const capBefore = await scrapeCounter(server.url, CAP_COUNTER);
    await pool.all(() => ({ type: "stall" }));
    rss.push(await settledRss(server.pid));
    const sampler = setInterval(() => rss.push(rssBytes(server.pid)), 1_000);
    try {
      withStalled = await publishWindow(pool, single, window, tag);
    } finally {
      clearInterval(sampler);
    }
    rss.push(await settledRss(server.pid));
    const capAfter = await scrapeCounter(server.url, CAP_COUNTER);
    const rev = await board.currentRev();
    await pool.all(() => ({ type: "resume" }));
    const reports = await pool.all<ConvergeReport>(() => ({
      type: "converge",
      rev,
      deadlineMs: load.deadlineMs,
    }));
    const sum = (f: (r: ConvergeReport) => number) => reports.reduce((s, r) => s + f(r), 0);
    return {
      target: target.label,
      readers: load.readers,
      stalled: load.stalled,
      rate: load.rate,
      seconds: load.durationMs / 1000,
      without,
      with: withStalled,
      rssStart: rss[0]!,
      rssMax: Math.max(...rss),
      rssEnd: rss.at(-1)!,
      rssGrowthWithout,
      capActions: capAfter === undefined ? undefined : capAfter - (capBefore ?? 0),
      noCapEstimate:
        load.stalled *
        Math.round((load.rate * load.durationMs) / 1000) *
        (OP_FRAME_BYTES + (load.padBytes ?? 0)),
      converge: {
        deadlineMs: load.deadlineMs,
        total: sum((r) => r.total),
        converged: sum((r) => r.converged),
        ms: Math.max(...reports.map((r) => r.ms)),
        ...sumCounters(reports),
        firstError: reports.find((r) => r.firstError)?.firstError,
      },
    };
  } finally {
    await closeViewers(pool);
  }
}
