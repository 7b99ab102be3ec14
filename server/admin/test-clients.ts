import { io, type Socket } from "socket.io-client";
import type {
  AdminClientToServerEvents,
  AdminServerToClientEvents,
  QueueStats,
  UsersPage,
} from "@/lib/protocol/admin";

export type AdminClient = Socket<AdminServerToClientEvents, AdminClientToServerEvents>;

/** An admin socket in a test, with the latest pushes it received. */
export interface AdminWatcher {
  socket: AdminClient;
  users(): UsersPage | undefined;
  queue(): QueueStats | undefined;
  /** Asks for a users page; the answer counts as the latest page, like later pushes. */
  watchUsers(query?: { search?: string; page?: number }): Promise<UsersPage>;
  close(): void;
}

export function adminClient(url: string, opts: { token?: string; cookie?: string }): AdminClient {
  return io(`${url}/admin`, {
    autoConnect: false,
    reconnection: false,
    forceNew: true,
    transports: ["websocket"],
    extraHeaders: opts.cookie ? { cookie: opts.cookie } : {},
    auth: opts.token ? { token: opts.token } : {},
  });
}

/** Connects to `/admin`: the watcher, or the `connect_error` code. */
export function connectAdminWatcher(
  url: string,
  opts: { token?: string; cookie?: string },
): Promise<{ ok: true; watcher: AdminWatcher } | { ok: false; code: string }> {
  const socket = adminClient(url, opts);
  let users: UsersPage | undefined;
  let queue: QueueStats | undefined;
  socket.on("admin:users", (page) => (users = page));
  socket.on("admin:queue", (stats) => (queue = stats));
  const watcher: AdminWatcher = {
    socket,
    users: () => users,
    queue: () => queue,
    async watchUsers(query = {}) {
      const res = await socket.timeout(10_000).emitWithAck("admin:users", query);
      if (!res.ok) throw new Error(`admin:users: ${res.error.code} ${res.error.message}`);
      const { ok: _ok, ...page } = res;
      users = page;
      return page;
    },
    close: () => socket.close(),
  };
  return new Promise((resolve) => {
    socket.once("connect", () => resolve({ ok: true, watcher }));
    socket.once("connect_error", (err) => {
      socket.close();
      resolve({ ok: false, code: err.message });
    });
    socket.connect();
  });
}

export async function adminWatcher(url: string, token: string): Promise<AdminWatcher> {
  const outcome = await connectAdminWatcher(url, { token });
  if (!outcome.ok) throw new Error(`admin refused: ${outcome.code}`);
  return outcome.watcher;
}
