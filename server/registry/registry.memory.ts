import { byConnectedAt } from "./entry-schema";
import {
  GONE_INSTANCE_RETENTION_MS,
  memberOf,
  type AdmitResult,
  type ConnectionEntry,
  type ConnectionRegistry,
  type InstanceInfo,
  type InstanceRecord,
  type MemberRef,
} from "./types";

interface Slot {
  entry: ConnectionEntry;
  expiresAt: number;
}

interface UserSlots {
  slots: Map<string, Slot>;
  /** clientId -> member */
  tabs: Map<string, string>;
}

/**
 * Embedded mode: one process, so the registry is a map and every method runs to completion without yielding,
 * which makes admission atomic. It keeps the Redis registry's lease semantics, so both pass one contract.
 */
export class MemoryConnectionRegistry implements ConnectionRegistry {
  private readonly users = new Map<string, UserSlots>();
  private readonly instanceRecords = new Map<string, { info: InstanceInfo; lastHeartbeat: number }>();

  constructor(
    readonly leaseMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private live(user: string): UserSlots {
    let u = this.users.get(user);
    if (!u) {
      u = { slots: new Map(), tabs: new Map() };
      this.users.set(user, u);
    }
    const now = this.now();
    for (const [member, slot] of u.slots) if (slot.expiresAt <= now) this.drop(u, member);
    return u;
  }

  private drop(u: UserSlots, member: string): boolean {
    const slot = u.slots.get(member);
    if (!slot) return false;
    u.slots.delete(member);
    const clientId = slot.entry.clientId;
    if (clientId !== undefined && u.tabs.get(clientId) === member) u.tabs.delete(clientId);
    return true;
  }

  private forget(user: string): void {
    const u = this.users.get(user);
    if (u && u.slots.size === 0) this.users.delete(user);
  }

  admit(entry: ConnectionEntry, limit: number): Promise<AdmitResult> {
    const u = this.live(entry.user);
    const member = memberOf(entry);
    const expiresAt = this.now() + this.leaseMs;
    const existing = u.slots.get(member);
    if (existing) {
      existing.expiresAt = Math.max(existing.expiresAt, expiresAt);
      return Promise.resolve({ ok: true, active: u.slots.size, limit });
    }
    let prev = entry.clientId !== undefined ? u.tabs.get(entry.clientId) : undefined;
    if (prev !== undefined && !u.slots.has(prev)) prev = undefined;
    const active = u.slots.size - (prev !== undefined ? 1 : 0);
    if (active >= limit) {
      this.forget(entry.user);
      return Promise.resolve({ ok: false, active, limit });
    }
    const replaced = prev !== undefined ? u.slots.get(prev)!.entry : undefined;
    if (prev !== undefined) this.drop(u, prev);
    u.slots.set(member, { entry: { ...entry }, expiresAt });
    if (entry.clientId !== undefined) u.tabs.set(entry.clientId, member);
    const result: AdmitResult = { ok: true, active: active + 1, limit };
    if (replaced)
      result.replaced = {
        user: replaced.user,
        instanceId: replaced.instanceId,
        connectionId: replaced.connectionId,
      };
    return Promise.resolve(result);
  }

  release(ref: MemberRef): Promise<boolean> {
    const u = this.users.get(ref.user);
    if (!u) return Promise.resolve(false);
    const slot = u.slots.get(memberOf(ref));
    const wasLive = slot !== undefined && slot.expiresAt > this.now();
    this.drop(u, memberOf(ref));
    this.forget(ref.user);
    return Promise.resolve(wasLive);
  }

  updateTransport(ref: MemberRef, transport: string): Promise<void> {
    const slot = this.users.get(ref.user)?.slots.get(memberOf(ref));
    if (slot) slot.entry = { ...slot.entry, transport };
    return Promise.resolve();
  }

  renew(instance: InstanceInfo, refs: MemberRef[]): Promise<MemberRef[]> {
    const now = this.now();
    const missing: MemberRef[] = [];
    for (const ref of refs) {
      const slot = this.users.get(ref.user)?.slots.get(memberOf(ref));
      if (slot) slot.expiresAt = Math.max(slot.expiresAt, now + this.leaseMs);
      else missing.push(ref);
    }
    this.instanceRecords.set(instance.instanceId, { info: { ...instance }, lastHeartbeat: now });
    for (const [id, record] of this.instanceRecords)
      if (record.lastHeartbeat < now - GONE_INSTANCE_RETENTION_MS) this.instanceRecords.delete(id);
    return Promise.resolve(missing);
  }

  removeInstance(instanceId: string): Promise<void> {
    for (const [user, u] of this.users) {
      for (const [member, slot] of u.slots) if (slot.entry.instanceId === instanceId) this.drop(u, member);
      this.forget(user);
    }
    this.instanceRecords.delete(instanceId);
    return Promise.resolve();
  }

  byUser(user: string): Promise<ConnectionEntry[]> {
    if (!this.users.has(user)) return Promise.resolve([]);
    const u = this.live(user);
    const entries = [...u.slots.values()].map((s) => ({ ...s.entry }));
    this.forget(user);
    return Promise.resolve(entries.sort(byConnectedAt));
  }

  async all(): Promise<ConnectionEntry[]> {
    const lists = await Promise.all([...this.users.keys()].map((u) => this.byUser(u)));
    return lists.flat().sort(byConnectedAt);
  }

  async byInstance(instanceId: string): Promise<ConnectionEntry[]> {
    return (await this.all()).filter((e) => e.instanceId === instanceId);
  }

  async count(): Promise<number> {
    return (await this.all()).length;
  }

  instances(): Promise<InstanceRecord[]> {
    const now = this.now();
    return Promise.resolve(
      [...this.instanceRecords.values()].map(({ info, lastHeartbeat }) => ({
        ...info,
        lastHeartbeat,
        alive: lastHeartbeat + this.leaseMs > now,
      })),
    );
  }
}
