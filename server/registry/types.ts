/** One socket, as the registry knows it, on whichever instance holds it. */
export interface ConnectionEntry {
  connectionId: string;
  user: string;
  instanceId: string;
  /** The browser tab's id from the handshake; a reconnect of the same tab replaces its previous entry. */
  clientId?: string;
  /** `websocket` or `polling`; updated when a polling socket upgrades. */
  transport: string;
  /** For people to recognise a session; never used for access decisions. */
  ip: string;
  userAgent: string;
  /** How the socket authenticated: a browser session or an API token. */
  via: "session" | "token";
  /** Epoch ms on the admitting instance's clock. */
  connectedAt: number;
}

/** Who a registry member is: enough to renew or release it without its details. */
export interface MemberRef {
  user: string;
  instanceId: string;
  connectionId: string;
}

export type AdmitResult =
  | {
      ok: true;
      /** Connections the user holds after this admission, across all instances. */
      active: number;
      limit: number;
      /** The same tab's previous entry, now removed: its socket must be closed wherever it still is. */
      replaced?: MemberRef;
    }
  | { ok: false; active: number; limit: number };

export interface InstanceInfo {
  instanceId: string;
  startedAt: number;
}

export interface InstanceRecord extends InstanceInfo {
  /** Epoch ms of the last heartbeat, on the registry's clock (Redis `TIME` in Redis mode). */
  lastHeartbeat: number;
  /** False once the lease lapsed without a heartbeat: the instance crashed or lost Redis. */
  alive: boolean;
}

/**
 * Every connection of every instance, with an atomic per-user limit. Entries live under a lease: an instance
 * renews its entries with `renew()` every third of the lease, so the entries of an instance that died without
 * releasing them disappear by themselves when the lease lapses.
 *
 * Implementations: `registry.memory.ts` (embedded mode) and `registry.redis.ts`; both pass
 * `registry.contract.test.ts`.
 */
export interface ConnectionRegistry {
  readonly leaseMs: number;
  /**
   * Records `entry` if the user holds fewer than `limit` live connections, as one atomic step across all
   * instances. Admitting an entry that is already there renews it and succeeds. An entry with the clientId of
   * one of the user's live entries replaces it (a tab reconnecting must not count twice).
   */
  admit(entry: ConnectionEntry, limit: number): Promise<AdmitResult>;
  /** Removes the entry; false when it was not there (already released, replaced or expired). */
  release(ref: MemberRef): Promise<boolean>;
  updateTransport(ref: MemberRef, transport: string): Promise<void>;
  /**
   * Extends the lease of these entries (all of one instance) and records the instance's heartbeat. Returns the
   * entries that are no longer in the registry: their sockets were closed elsewhere or their lease lapsed.
   */
  renew(instance: InstanceInfo, refs: MemberRef[]): Promise<MemberRef[]>;
  /** Drops the instance's lease and every entry it holds (graceful shutdown). */
  removeInstance(instanceId: string): Promise<void>;

  /** Exact: reads the user's entries directly. */
  byUser(user: string): Promise<ConnectionEntry[]>;
  /**
   * These go through an index of users that instances update in batches, so a user admitted on another
   * instance in the last few milliseconds may be missing. For observation, never for admission.
   */
  byInstance(instanceId: string): Promise<ConnectionEntry[]>;
  all(): Promise<ConnectionEntry[]>;
  count(): Promise<number>;
  /** Live instances, and lapsed ones for ten minutes after their last heartbeat (`alive: false`). */
  instances(): Promise<InstanceRecord[]>;
}

/** How long a lapsed instance stays listed, so that a crash is visible rather than silently dropped. */
export const GONE_INSTANCE_RETENTION_MS = 10 * 60_000;

export const memberOf = (ref: MemberRef) => `${ref.instanceId}|${ref.connectionId}`;

export const refOf = (entry: ConnectionEntry): MemberRef => ({
  user: entry.user,
  instanceId: entry.instanceId,
  connectionId: entry.connectionId,
});
