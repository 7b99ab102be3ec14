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
 * Raises a running process's open-file limit (soft and hard) with `prlimit --pid`, which needs root or
 * CAP_SYS_RESOURCE for a hard limit above the current one. Returns the soft limit the process ends up with.
 */
export function raiseFdLimit(pid: number, limit: number): number {
  spawnSync("prlimit", [`--pid=${pid}`, `--nofile=${limit}:${limit}`], { stdio: "ignore" });
  return fdLimit(pid);
}

/** A process's soft open-file limit, from /proc. */
export function fdLimit(pid: number): number {
  const limits = readFileSync(`/proc/${pid}/limits`, "utf8");
  const soft = /Max open files\s+(\S+)/.exec(limits)?.[1];
  return soft === "unlimited" ? Infinity : Number(soft);
}
