import type { LimitSettings, UsersPage, UsersQuery } from "@/lib/protocol/admin";
import type { Logger } from "../logging/logger";
import { serverStamp } from "../metrics/clock";
import type { LimitStore } from "../registry/limits";
import type { ConnectionRegistry } from "../registry/types";
import type { AdminSocket } from "./namespace";
import { buildUsersPage, indexUsers, type UsersIndex } from "./users-page";

export interface UsersWatchDeps {
  registry: ConnectionRegistry;
  limits: LimitStore;
  logger: Logger;
  /** Whether this socket's user is still an admin (as last read from the store); others get no push. */
  mayPush?: (socket: AdminSocket) => boolean;
  /** The least time between two reads of the registry; it grows to five times what the last read took. */
  minIntervalMs?: number;
  /** A page asked for is read fresh when the data is older than this. */
  maxAgeMs?: number;
}

interface Watcher {
  socket: AdminSocket;
  query: UsersQuery;
  /** The last page sent, without its stamp, to push only what changed. */
  sent?: string;
}

/**
 * The users table for this instance's admins: one read of the registry (every instance's connections) and of
 * the limits, shared by every admin socket here, whatever page each one looks at. Reads happen only while someone
 * watches and when something changed (`invalidate`), coalesced and spaced by how long a read takes, so a large
 * registry cannot make the panel hammer Redis. Each socket is sent its page again only when that page changed.
 */
export class UsersWatch {
  private readonly watchers = new Map<string, Watcher>();
  private data?: { index: UsersIndex; limits: LimitSettings; readAt: number };
  private reading?: Promise<void>;
  private dirty = false;
  private timer?: ReturnType<typeof setTimeout>;
  private lastReadMs = 0;

  constructor(private readonly deps: UsersWatchDeps) {}

  get watching(): number {
    return this.watchers.size;
  }

  /** Sets what this socket looks at and returns that page now; later changes are pushed as `admin:users`. */
  async watch(socket: AdminSocket, query: UsersQuery): Promise<UsersPage> {
    let watcher = this.watchers.get(socket.id);
    if (!watcher) {
      watcher = { socket, query };
      this.watchers.set(socket.id, watcher);
      socket.once("disconnect", () => this.watchers.delete(socket.id));
    }
    watcher.query = query;
    if (!this.data || Date.now() - this.data.readAt > (this.deps.maxAgeMs ?? 1_000)) await this.read();
    const page = this.pageFor(watcher, serverStamp());
    watcher.sent = keyOf(page);
    return page;
  }

  /** Something may have changed (a connection, a limit): read again soon and push the pages that changed. */
  invalidate(): void {
    if (this.watchers.size === 0) {
      this.data = undefined;
      return;
    }
    if (this.timer) return;
    if (this.reading) {
      this.dirty = true;
      return;
    }
    const gap = Math.max(this.deps.minIntervalMs ?? 250, this.lastReadMs * 5);
    const wait = Math.max(0, gap - (Date.now() - (this.data?.readAt ?? 0)));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.readAndPush();
    }, wait);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.watchers.clear();
  }

  private read(): Promise<void> {
    this.reading ??= (async () => {
      const started = performance.now();
      try {
        const [entries, limits] = await Promise.all([this.deps.registry.all(), this.deps.limits.settings()]);
        this.data = { index: indexUsers(entries), limits, readAt: Date.now() };
      } finally {
        this.lastReadMs = performance.now() - started;
        this.reading = undefined;
        if (this.dirty) {
          this.dirty = false;
          this.invalidate();
        }
      }
    })();
    return this.reading;
  }

  private async readAndPush(): Promise<void> {
    try {
      await this.read();
    } catch (err) {
      this.deps.logger.debug({ err }, "users table not refreshed");
      return;
    }
    const at = serverStamp();
    for (const watcher of this.watchers.values()) {
      const page = this.pageFor(watcher, at);
      const key = keyOf(page);
      if (key === watcher.sent) continue;
      if (this.deps.mayPush && !this.deps.mayPush(watcher.socket)) continue;
      watcher.sent = key;
      watcher.socket.emit("admin:users", page);
    }
  }

  private pageFor(watcher: Watcher, at: number): UsersPage {
    const { index, limits } = this.data!;
    return buildUsersPage(index, limits, watcher.query, at);
  }
}

function keyOf(page: UsersPage): string {
  return JSON.stringify({ ...page, at: 0 });
}
