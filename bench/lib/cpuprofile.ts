import { readFileSync } from "node:fs";

/** The parts of a V8 `.cpuprofile` (written by `node --cpu-prof`) that a breakdown needs. */
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** A time span on the machine's monotonic clock (the clock of V8's profile timestamps and of process.hrtime), µs. */
export interface Span {
  fromUs: number;
  toUs: number;
}

export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

export interface Breakdown {
  /** Samples inside the spans times the sampling interval, µs (the main thread only: busy and idle). */
  totalUs: number;
  /** Sampled time the main thread was not idle, µs. */
  busyUs: number;
  /** Self time by function and by package, µs, highest first. */
  byFunction: [string, number][];
  byPackage: [string, number][];
  /** Time with a given function on the stack (`inclusive`, matched by name), µs. */
  inclusive: Map<string, number>;
  /** Busy time by the first of `categories` whose test passes on the sample's stack, µs ("other" for none). */
  byCategory: [string, number][];
}

/** A sample's stack, leaf first: each frame's `name file:line` and package. */
export interface Stack {
  names: string[];
  packages: string[];
}

export type Category = [name: string, test: (stack: Stack) => boolean];

/** The packages that talk to the database, for categories. */
export const DATABASE_PACKAGES = new Set(["kysely", "pg", "pg-protocol", "pg-pool", "better-sqlite3"]);

/** Whether a frame named `prefix…` (`name file:line`) is on the stack. */
export const onStack = (names: string[], prefix: string): boolean => names.some((n) => n.startsWith(prefix));

/** Where a frame's code lives: its npm package, Node's core, Pulseboard's own bundle, or a native frame. */
export function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith("node:")) return "node (core)";
  return "pulseboard";
}

function frameName(frame: CallFrame): string {
  const file = frame.url.split("/").slice(-2).join("/");
  return `${frame.functionName || "(anonymous)"}${file ? ` ${file}:${frame.lineNumber + 1}` : ""}`;
}

/**
 * Self time by function and by package over the samples taken inside `spans`, and the inclusive time of the
 * functions named in `inclusive` (by `name file:line` prefix, as in `byFunction`).
 */
export function breakdown(
  file: string,
  spans: Span[],
  inclusive: string[] = [],
  categories: Category[] = [],
): Breakdown {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const incl = new Map<string, number>(inclusive.map((k) => [k, 0]));
  const byCategory = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  const sorted = [...profile.timeDeltas].sort((a, b) => a - b);
  const interval = sorted[Math.floor(sorted.length / 2)] ?? 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!;
    // Every sample counts for the same time. The time until the next sample would count a stretch for which the
    // process was not scheduled (on a busy machine, tens of ms) as time spent in whatever ran last.
    const dt = interval;
    if (!spans.some((s) => t >= s.fromUs && t < s.toUs)) continue;
    const node = nodes.get(profile.samples[i]!)!;
    totalUs += dt;
    if (node.callFrame.functionName === "(idle)") {
      idleUs += dt;
      continue;
    }
    const fn = frameName(node.callFrame);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + dt);
    const pkg = packageOf(node.callFrame);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + dt);
    const stack: Stack = { names: [], packages: [] };
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = nodes.get(id)!.callFrame;
      stack.names.push(frameName(frame));
      stack.packages.push(packageOf(frame));
    }
    for (const k of inclusive) if (stack.names.some((n) => n.startsWith(k))) incl.set(k, incl.get(k)! + dt);
    const category = categories.find(([, test]) => test(stack))?.[0] ?? "other";
    byCategory.set(category, (byCategory.get(category) ?? 0) + dt);
  }
  const desc = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    totalUs,
    busyUs: totalUs - idleUs,
    byFunction: desc(byFunction),
    byPackage: desc(byPackage),
    inclusive: incl,
    byCategory: desc(byCategory),
  };
}
