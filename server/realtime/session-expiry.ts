import type { Namespace, Socket } from "socket.io";
import type { AuthResult, Principal } from "../auth/principal";
import type { Logger } from "../logging/logger";
import type { AppSocket } from "./types";

/** setTimeout's limit: a longer delay fires at once (Node warns and uses 1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ExpiryOptions {
  /** The clock; tests move it. */
  now?: () => number;
  /** The longest single timer; a longer lifetime is waited for in chunks of this, re-armed each time. */
  maxTimerMs?: number;
}

function closeWithReason(socket: Socket, message: string): void {
  socket.emit("system:notice", { kind: "session-expired", message, at: Date.now() });
  socket.disconnect(true);
}

/**
 * Closes the socket when its credential expires, after telling the client why so that it can offer to sign in
 * again instead of looping on reconnects. A lifetime beyond setTimeout's limit (about 24.8 days; API tokens live
 * up to 90 days) is waited for in chunks: each timer re-reads the clock and arms the next one.
 */
export function scheduleExpiry(socket: AppSocket, opts: ExpiryOptions = {}): void {
  const now = opts.now ?? Date.now;
  const maxTimerMs = Math.min(opts.maxTimerMs ?? MAX_TIMER_MS, MAX_TIMER_MS);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    const remaining = socket.data.user.expiresAt - now();
    if (remaining <= 0) return closeWithReason(socket as unknown as Socket, "Your session has expired.");
    timer = setTimeout(arm, Math.min(remaining, maxTimerMs));
    timer.unref();
  };
  arm();
  socket.once("disconnect", () => clearTimeout(timer));
}

/**
 * `scheduleExpiry` for every socket of a namespace at the cost of one timer in all: sockets are grouped by the
 * instant their credential expires (a whole second: `exp` of a JWT, shared by all of a credential's sockets), and
 * one timer is armed for the earliest. A socket costs an entry in its group's Set and one shared `disconnect`
 * listener, instead of a timer and three closures of its own.
 */
export class ExpiryScheduler {
  private readonly groups = new Map<number, Set<AppSocket>>();
  /** A min-heap of the groups' instants; an instant whose group is gone is skipped when it comes up. */
  private readonly heap: number[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedFor = Infinity;
  private readonly now: () => number;
  private readonly maxTimerMs: number;
  /** Shared by every socket: Socket.IO calls it with the socket as `this`. */
  private readonly onDisconnect: (this: AppSocket) => void;

  constructor(opts: ExpiryOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.maxTimerMs = Math.min(opts.maxTimerMs ?? MAX_TIMER_MS, MAX_TIMER_MS);
    const remove = (socket: AppSocket) => this.remove(socket);
    this.onDisconnect = function (this: AppSocket) {
      remove(this);
    };
  }

  add(socket: AppSocket): void {
    const at = socket.data.user.expiresAt;
    if (at <= this.now()) return closeWithReason(socket as unknown as Socket, "Your session has expired.");
    let group = this.groups.get(at);
    if (!group) {
      this.groups.set(at, (group = new Set()));
      this.push(at);
    }
    group.add(socket);
    socket.on("disconnect", this.onDisconnect);
    if (at < this.armedFor) this.arm();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private remove(socket: AppSocket): void {
    const at = socket.data.user.expiresAt;
    const group = this.groups.get(at);
    if (!group?.delete(socket) || group.size > 0) return;
    this.groups.delete(at);
    // Instants of groups gone stay in the heap until they come up; rebuilt when they outnumber the live ones.
    if (this.heap.length > 2 * this.groups.size + 64) {
      this.heap.length = 0;
      for (const key of this.groups.keys()) this.push(key);
    }
  }

  private arm(): void {
    clearTimeout(this.timer);
    while (this.heap.length > 0 && !this.groups.has(this.heap[0]!)) this.pop();
    const next = this.heap[0];
    if (next === undefined) {
      this.timer = undefined;
      this.armedFor = Infinity;
      return;
    }
    this.armedFor = next;
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.min(next - this.now(), this.maxTimerMs)));
    this.timer.unref();
  }

  private fire(): void {
    const now = this.now();
    while (this.heap.length > 0 && this.heap[0]! <= now) {
      const at = this.pop()!;
      const group = this.groups.get(at);
      if (!group) continue;
      this.groups.delete(at);
      for (const socket of group) {
        socket.off("disconnect", this.onDisconnect);
        closeWithReason(socket as unknown as Socket, "Your session has expired.");
      }
    }
    this.arm();
  }

  private push(value: number): void {
    const h = this.heap;
    let i = h.push(value) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]! <= value) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = value;
  }

  private pop(): number | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r]! < h[l]! ? r : l;
      if (h[c]! >= last) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}

export interface CredentialSweepDeps {
  /** The namespaces whose sockets are checked, each with what it demands of the principal beyond validity. */
  namespaces: { nsp: Namespace; requireAdmin: boolean }[];
  /** Reads what the rechecks will need in bulk, before them (optional: each recheck reads on its own). */
  prefetch?(principals: Iterable<Principal>): Promise<void>;
  /** Re-checks a principal against the stores: revoked tokens, removed users, changed passwords and roles. */
  recheck(principal: Principal): Promise<AuthResult>;
  intervalMs: number;
  logger: Logger;
}

/**
 * Every `intervalMs`, re-checks the credential of each socket held here against the stores, and closes (after a
 * notice) those whose token was revoked, whose user was removed or changed password or role, and, on admin-only
 * namespaces, those whose user is no longer an admin. This is what makes a revocation made anywhere (another
 * instance, the CLI in another process) close open sockets within seconds, without any message having to reach
 * this instance. Lookups are shared: one per distinct credential per sweep, through the stores' short cache.
 */
export function startCredentialSweep(deps: CredentialSweepDeps): { stop(): void; sweep(): Promise<void> } {
  let running: Promise<void> | undefined;
  const sweep = () => {
    if (running) return running;
    // Not `running ??= (async () => ...)()`: with no socket to await, the body (and its `finally`) completes
    // before the assignment, which would then keep a settled promise as "running" forever.
    const current = (async () => {
      const held: { socket: Socket; principal: Principal; requireAdmin: boolean }[] = [];
      for (const { nsp, requireAdmin } of deps.namespaces) {
        for (const socket of nsp.sockets.values()) {
          const principal = (socket.data as { user?: Principal }).user;
          if (principal && socket.connected) held.push({ socket, principal, requireAdmin });
        }
      }
      const distinct = new Set(held.map((h) => h.principal));
      // What the stores say about all of them in a read or two; each recheck below then answers from the cache.
      await deps.prefetch?.(distinct).catch(() => undefined);
      const results = new Map<Principal, AuthResult>();
      await Promise.all(
        [...distinct].map(async (principal) => {
          // The store unreachable (a Redis outage): sockets stay open; handshakes and requests fail closed.
          const result = await deps.recheck(principal).catch(() => ({ ok: true, principal }) as AuthResult);
          results.set(principal, result);
        }),
      );
      for (const { socket, principal, requireAdmin } of held) {
        const result = results.get(principal);
        if (!result || !socket.connected) continue;
        if (!result.ok) {
          deps.logger.info(
            { user: principal.name, via: principal.via, reason: result.reason },
            "closed a socket whose credential was revoked",
          );
          closeWithReason(socket, "Your access was revoked; sign in again.");
        } else if (requireAdmin && result.principal.role !== "admin") {
          deps.logger.info({ user: principal.name }, "closed an admin socket of a user no longer admin");
          closeWithReason(socket, "You are no longer an admin.");
        }
      }
    })();
    running = current;
    const done = () => {
      if (running === current) running = undefined;
    };
    current.then(done, done);
    return current;
  };
  const timer = setInterval(() => {
    sweep().catch((err: unknown) => deps.logger.warn({ err }, "credential sweep failed"));
  }, deps.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), sweep };
}
