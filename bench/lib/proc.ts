import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU time a process has used so far, in microseconds (10 ms resolution). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / TICKS_PER_SECOND;
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb) * 1024;
}

/** CPU used by a set of processes over a stretch of work. */
export async function measureCpu<T>(
  pids: number[],
  work: () => Promise<T>,
): Promise<{ result: T; cpuUs: number; wallMs: number }> {
  const before = pids.map(cpuMicros);
  const started = performance.now();
  const result = await work();
  const wallMs = performance.now() - started;
  const cpuUs = pids.reduce((sum, pid, i) => sum + cpuMicros(pid) - before[i]!, 0);
  return { result, cpuUs, wallMs };
}

/**
 * Raises a running process's open-file limit with `prlimit --pid`: soft and hard to `limit`, which needs
 * CAP_SYS_RESOURCE (root outside a restricted container) when above the hard limit; failing that, the soft limit
 * to the hard one. Returns the soft limit the process ends up with.
 */
export function raiseFdLimit(pid: number, limit: number): number {
  const raised = spawnSync("prlimit", [`--pid=${pid}`, `--nofile=${limit}:${limit}`], { stdio: "ignore" });
  if (raised.status !== 0) {
    const hard = fdLimits(pid).hard;
    if (Number.isFinite(hard))
      spawnSync("prlimit", [`--pid=${pid}`, `--nofile=${hard}:${hard}`], { stdio: "ignore" });
  }
  return fdLimit(pid);
}

function fdLimits(pid: number): { soft: number; hard: number } {
  const limits = readFileSync(`/proc/${pid}/limits`, "utf8");
  const m = /Max open files\s+(\S+)\s+(\S+)/.exec(limits);
  const num = (v: string | undefined) => (v === undefined || v === "unlimited" ? Infinity : Number(v));
  return { soft: num(m?.[1]), hard: num(m?.[2]) };
}

/** A process's soft open-file limit, from /proc. */
export function fdLimit(pid: number): number {
  return fdLimits(pid).soft;
}
