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

export interface CredentialSweepDeps {
  /** The namespaces whose sockets are checked, each with what it demands of the principal beyond validity. */
  namespaces: { nsp: Namespace; requireAdmin: boolean }[];
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
      const checks = new Map<Principal, Promise<AuthResult>>();
      for (const { nsp, requireAdmin } of deps.namespaces) {
        for (const socket of [...nsp.sockets.values()]) {
          const principal = (socket.data as { user?: Principal }).user;
          if (!principal || !socket.connected) continue;
          let check = checks.get(principal);
          if (!check) {
            // The store unreachable (a Redis outage): sockets stay open; handshakes and requests fail closed.
            check = deps.recheck(principal).catch(() => ({ ok: true, principal }) as AuthResult);
            checks.set(principal, check);
          }
          const result = await check;
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
