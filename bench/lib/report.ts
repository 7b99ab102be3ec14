import { cpus, totalmem } from "node:os";
import type { FanoutResult, IdleResult, ThroughputResult } from "./scenarios";

export interface Results {
  quick: boolean;
  fanout: FanoutResult[];
  throughput: ThroughputResult[];
  idle: IdleResult[];
}

const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const n1 = (x: number) => x.toFixed(1);
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

function fanoutTable(rows: FanoutResult[]): string[] {
  return [
    "| server | viewers | ops/s | delivered / expected | lost | out of order | deliveries/s | p50 ms | p95 ms | p99 ms | max ms | server CPU µs/delivery | Redis CPU µs/delivery | load generator CPU |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${r.target} | ${n0(r.viewers)} | ${r.rate} | ${n0(r.delivered)} / ${n0(r.expected)} | ${r.lost} | ${r.outOfOrder} | ${n0(r.deliveriesPerSec)} | ${n1(r.p50)} | ${n1(r.p95)} | ${n1(r.p99)} | ${n1(r.max)} | ${r.serverCpuUsPerDelivery.toFixed(2)} | ${r.redisCpuUsPerDelivery.toFixed(2)} | ${pct(r.loadGenCpuShare)} |`,
    ),
  ];
}

function find(rows: FanoutResult[], label: string, viewers: number): FanoutResult | undefined {
  return rows.find((r) => r.target === label && r.viewers === viewers);
}

interface Target {
  name: string;
  value: string;
  goal: string;
  met: boolean | undefined;
}

function targets(res: Results): Target[] {
  const out: Target[] = [];
  for (const viewers of [1_000, 5_000]) {
    const pb = find(res.fanout, "Pulseboard", viewers);
    const sio = find(res.fanout, "plain Socket.IO", viewers);
    const ws = find(res.fanout, "raw ws", viewers);
    if (pb && sio && ws) {
      const vsSio = pb.serverCpuUsPerDelivery / sio.serverCpuUsPerDelivery;
      const vsWs = pb.serverCpuUsPerDelivery / ws.serverCpuUsPerDelivery;
      out.push({
        name: `Fan-out CPU, ${n0(viewers)} viewers`,
        value: `${vsSio.toFixed(2)}x plain Socket.IO, ${vsWs.toFixed(2)}x raw ws`,
        goal: "≤ 1.5x and ≤ 3x",
        met: vsSio <= 1.5 && vsWs <= 3,
      });
    }
  }
  const pb2 = find(res.fanout, "Pulseboard, 2 instances", 1_000);
  const sio2 = find(res.fanout, "plain Socket.IO, 2 instances", 1_000);
  if (pb2 && sio2) {
    out.push({
      name: "Latency, 1,000 viewers at 10 ops/s on 2 instances",
      value: `p99 ${n1(pb2.p99)} ms, ${(pb2.p99 / sio2.p99).toFixed(2)}x plain Socket.IO (${n1(sio2.p99)} ms)`,
      goal: "≤ 50 ms and ≤ 1.5x",
      met: pb2.p99 <= 50 && pb2.p99 <= 1.5 * sio2.p99,
    });
  }
  const best = (label: string) => res.throughput.find((t) => t.target === label)?.best;
  const pbMax = best("Pulseboard");
  const sioMax = best("plain Socket.IO");
  if (pbMax && sioMax) {
    out.push({
      name: "Max sustained deliveries/s, one instance",
      value: `${n0(pbMax.deliveriesPerSec)} vs ${n0(sioMax.deliveriesPerSec)}: ${(pbMax.deliveriesPerSec / sioMax.deliveriesPerSec).toFixed(2)}x`,
      goal: "≥ 0.8x plain Socket.IO",
      met: pbMax.deliveriesPerSec >= 0.8 * sioMax.deliveriesPerSec,
    });
  }
  const idle = res.idle.find((r) => r.target === "Pulseboard");
  if (idle) {
    out.push({
      name: "Memory per idle authenticated connection",
      value: `${n1(idle.serverBytesPerConn / 1024)} KB in the instance, plus ${n1(idle.redisBytesPerConn / 1024)} KB in Redis for the registry`,
      goal: "≤ 20 KB",
      met: idle.serverBytesPerConn <= 20 * 1024,
    });
    out.push({
      name: "Connect rate, authenticated, Redis registry, one instance",
      value: `${n0(idle.connectPerSec)} connections/s`,
      goal: "≥ 1,000/s",
      met: idle.connectPerSec >= 1_000,
    });
  }
  return out;
}

/** The markdown report, and the correctness failures: a lost or reordered delivery, or a refused op. */
export function formatReport(res: Results, run: { command: string; seconds: number }) {
  const failures: string[] = [];
  for (const r of res.fanout) {
    if (r.lost > 0) failures.push(`${r.target}, ${r.viewers} viewers: ${r.lost} deliveries lost`);
    if (r.outOfOrder > 0) failures.push(`${r.target}, ${r.viewers} viewers: ${r.outOfOrder} out of order`);
    if (r.publishFailed > 0) failures.push(`${r.target}: ${r.publishFailed} ops refused (${r.firstError})`);
  }
  const cpu = cpus();
  const lines = [
    `# Benchmark${res.quick ? " (quick)" : ""}`,
    "",
    `Machine: ${cpu.length} × ${cpu[0]?.model.trim()}, ${n0(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    `Command: \`npm run bench${run.command ? ` -- ${run.command}` : ""}\` (${n0(run.seconds)} s). Servers, Redis and the load generators share the machine; every ratio below is taken within this one run.`,
    "",
    "## Fan-out: one publisher, every viewer in one room",
    "",
    "Latency is end to end, from the publisher sending an op to a viewer receiving it, on one machine clock. CPU is the server processes' own user + system time over the window, divided by the deliveries; Redis's is shown apart. The load generator's CPU is its share of the machine's 2 cores: near 100% means it, not the server, set the pace.",
    "",
    ...fanoutTable(res.fanout),
  ];
  if (res.idle.length) {
    lines.push(
      "",
      "## 10,000 idle connections",
      "",
      "Memory is the slope: the server's resident memory (its lowest over 3 s, between collections) after 1,000 connections and again after 10,000 more, divided by 10,000. Pulseboard's connections are authenticated with API tokens and admitted by the Redis registry; the registry's entries are in Redis and shown apart. The connect rate is for those 10,000, opened 150 at a time.",
      "",
      "| server | connections | connects/s | instance RSS per connection | Redis memory per connection |",
      "| --- | --- | --- | --- | --- |",
      ...res.idle.map(
        (r) =>
          `| ${r.target} | ${n0(r.connections)} | ${n0(r.connectPerSec)} | ${n1(r.serverBytesPerConn / 1024)} KB | ${n1(r.redisBytesPerConn / 1024)} KB |`,
      ),
    );
  }
  if (res.throughput.length) {
    lines.push(
      "",
      "## Max throughput: the op rate rises until p99 > 250 ms or fewer than 99% arrive",
      "",
      "1,000 viewers on one instance; the rate rises by 30% a step from 30 ops/s, then by 8% from the last rate that held; each step lasts 4 s.",
      "",
      "| server | viewers | max sustained ops/s | deliveries/s | p99 ms there | server CPU µs/delivery there | load generator CPU there | failing step |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
      ...res.throughput.map((t) => {
        const b = t.best;
        const last = t.steps.at(-1);
        const failed = last !== b ? last : undefined;
        const fail = failed
          ? `${failed.rate} ops/s: p99 ${n0(failed.p99)} ms, ${pct(failed.delivered / Math.max(1, failed.expected))} delivered`
          : "none";
        return b
          ? `| ${t.target} | ${n0(t.viewers)} | ${b.rate} | ${n0(b.deliveriesPerSec)} | ${n1(b.p99)} | ${b.serverCpuUsPerDelivery.toFixed(2)} | ${pct(b.loadGenCpuShare)} | ${fail} |`
          : `| ${t.target} | ${n0(t.viewers)} | below the first step | | | | | ${fail} |`;
      }),
    );
  }
  const t = targets(res);
  if (t.length) {
    lines.push(
      "",
      "## Targets",
      "",
      "| target | measured | goal | |",
      "| --- | --- | --- | --- |",
      ...t.map((x) => `| ${x.name} | ${x.value} | ${x.goal} | ${x.met ? "met" : "missed"} |`),
    );
  }
  lines.push(
    "",
    failures.length
      ? `Correctness: FAILED (${failures.join("; ")})`
      : "Correctness: nothing lost, order kept, every op acknowledged.",
    "",
  );
  return { text: lines.join("\n"), failures };
}
