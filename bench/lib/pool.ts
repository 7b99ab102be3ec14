import { fork, type ChildProcess } from "node:child_process";
import { cpuMicros, raiseFdLimit } from "./proc";
import type { Command, Reply } from "./ipc";

/** One load-generator process; commands are answered in the order they were sent. */
export class LoadGen {
  private readonly waiting: ((reply: Reply) => void)[] = [];
  private readonly child: ChildProcess;

  constructor(fdLimit?: number) {
    this.child = fork("bench/lib/loadgen.ts", [], { execArgv: ["--import", "tsx"], stdio: "inherit" });
    if (fdLimit) raiseFdLimit(this.child.pid!, fdLimit);
    this.child.on("message", (reply: Reply) => this.waiting.shift()?.(reply));
    this.child.once("exit", (code) => {
      if (this.waiting.length) {
        console.error(`a load generator exited (${code}) with commands pending`);
        process.exit(1);
      }
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  request<R extends Reply>(cmd: Command): Promise<R> {
    return new Promise((resolve) => {
      this.waiting.push(resolve as (reply: Reply) => void);
      this.child.send(cmd);
    });
  }

  stop(): void {
    this.child.kill("SIGKILL");
  }
}

/**
 * Viewer generators plus one publisher of its own, so that publishing keeps its schedule. Each generator may hold
 * `fdLimit` open files (the 50,000-connection scenario needs more than the default).
 */
export class LoadGenPool {
  readonly viewers: LoadGen[];
  readonly publisher: LoadGen;

  constructor(size: number, fdLimit?: number) {
    this.viewers = Array.from({ length: size }, () => new LoadGen(fdLimit));
    this.publisher = new LoadGen(fdLimit);
  }

  get pids(): number[] {
    return [...this.viewers, this.publisher].map((g) => g.pid);
  }

  cpuMicros(): number {
    return this.pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);
  }

  all<R extends Reply>(make: (gen: LoadGen, index: number) => Command): Promise<R[]> {
    return Promise.all(this.viewers.map((g, i) => g.request<R>(make(g, i))));
  }

  stop(): void {
    for (const g of [...this.viewers, this.publisher]) g.stop();
  }
}
