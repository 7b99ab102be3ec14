import type { Logger } from "../logging/logger";
import type { AppSocket } from "../realtime/types";
import type { ConnectionRegistry, InstanceInfo, MemberRef } from "./types";

/** A tracked socket's registry member, from what the socket holds anyway. */
function refOfSocket(instanceId: string, socket: AppSocket): MemberRef {
  return { user: socket.data.user.name, instanceId, connectionId: socket.data.connectionId };
}

export interface AgentDeps {
  registry: ConnectionRegistry;
  instance: InstanceInfo;
  logger: Logger;
  /** Sockets whose entries vanished from the registry (closed elsewhere, or lapsed in a long outage). */
  onMissing(sockets: AppSocket[]): void;
}

/**
 * This instance's side of the registry: the connections it admitted, its lease, and their release. The lease is
 * renewed every third of its length, so one missed heartbeat never expires anyone.
 */
export class RegistryAgent {
  /** By connection id; the member is derived from the socket when needed, not kept per socket. */
  private readonly local = new Map<string, AppSocket>();
  private readonly pending = new Set<Promise<unknown>>();
  private timer?: ReturnType<typeof setInterval>;
  private stopped = false;
  private lastWarn = 0;

  constructor(private readonly deps: AgentDeps) {}

  get instanceId(): string {
    return this.deps.instance.instanceId;
  }

  get size(): number {
    return this.local.size;
  }

  start(): void {
    this.heartbeat();
    this.timer = setInterval(
      () => this.heartbeat(),
      Math.max(100, Math.floor(this.deps.registry.leaseMs / 3)),
    );
    this.timer.unref();
  }

  /** Remembers an admitted socket until `release`. */
  track(socket: AppSocket): void {
    this.local.set(socket.data.connectionId, socket);
  }

  socketOf(connectionId: string): AppSocket | undefined {
    return this.local.get(connectionId);
  }

  /** Frees the slot of a socket of this instance that is gone; safe to call twice. */
  release(connectionId: string): Promise<void> {
    const held = this.local.get(connectionId);
    if (!held) return Promise.resolve();
    this.local.delete(connectionId);
    const done = this.deps.registry
      .release(refOfSocket(this.instanceId, held))
      .then(() => undefined)
      .catch((err: unknown) => {
        // The entry is not renewed any more, so it lapses with the lease even if this never reaches Redis.
        this.warn({ err, connectionId }, "releasing a connection failed; it will lapse with the lease");
      })
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
    return done;
  }

  private heartbeat(): void {
    if (this.stopped) return;
    const refs = [...this.local.values()].map((s) => refOfSocket(this.instanceId, s));
    this.deps.registry.renew(this.deps.instance, refs).then(
      (missing) => {
        const sockets = missing
          .map((ref) => this.local.get(ref.connectionId))
          .filter((s): s is AppSocket => s !== undefined && s.connected);
        if (sockets.length > 0) this.deps.onMissing(sockets);
      },
      (err: unknown) => this.warn({ err }, "renewing the registry lease failed"),
    );
  }

  /** Graceful shutdown: waits for releases in flight, then drops this instance's lease and every entry left. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.pending]);
    this.local.clear();
    await this.deps.registry.removeInstance(this.instanceId);
  }

  private warn(fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    if (now - this.lastWarn < 5_000) return;
    this.lastWarn = now;
    this.deps.logger.warn(fields, message);
  }
}
