import {
  USER_CONNECTIONS_LISTED,
  USERS_PAGE_SIZE,
  type AdminConnection,
  type AdminUserRow,
  type LimitSettings,
  type UsersPage,
  type UsersQuery,
} from "@/lib/protocol/admin";
import type { ConnectionEntry } from "../registry/types";
import { describeConnection } from "../registry/user-agent";
import { own } from "@/lib/util/own";

/** The registry's entries grouped by user, with what search needs precomputed; built once per refresh. */
export interface UsersIndex {
  /** Ordered by name. */
  users: { name: string; connections: AdminConnection[]; haystack: string }[];
  totalConnections: number;
}

export function indexUsers(entries: ConnectionEntry[]): UsersIndex {
  const byUser = new Map<string, AdminConnection[]>();
  for (const e of entries) {
    const list = byUser.get(e.user);
    if (list) list.push(describeConnection(e));
    else byUser.set(e.user, [describeConnection(e)]);
  }
  const users = [...byUser]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, connections]) => {
      connections.sort(
        (x, y) =>
          x.instanceId.localeCompare(y.instanceId) ||
          x.connectedAt - y.connectedAt ||
          x.connectionId.localeCompare(y.connectionId),
      );
      const haystack = [name, ...connections.flatMap((c) => [c.instanceId, c.ip, c.browser])]
        .join("\n")
        .toLowerCase();
      return { name, connections, haystack };
    });
  return { users, totalConnections: entries.length };
}

function row(user: UsersIndex["users"][number], limits: LimitSettings): AdminUserRow {
  const perInstance: Record<string, number> = {};
  for (const c of user.connections) perInstance[c.instanceId] = (perInstance[c.instanceId] ?? 0) + 1;
  const override = own(limits.users, user.name);
  return {
    name: user.name,
    connectionCount: user.connections.length,
    perInstance,
    connections: user.connections.slice(0, USER_CONNECTIONS_LISTED),
    limit: override ?? limits.default,
    limitSource: override === undefined ? "default" : "user",
  };
}

/**
 * One page of the users table: users with connections whose name, instances, addresses or browsers contain the
 * search, ordered by name (rows do not move under the admin's pointer as counts change), with effective limits.
 */
export function buildUsersPage(
  index: UsersIndex,
  limits: LimitSettings,
  query: UsersQuery,
  at: number,
  pageSize = USERS_PAGE_SIZE,
): UsersPage {
  const needle = query.search.toLowerCase();
  const matching = needle ? index.users.filter((u) => u.haystack.includes(needle)) : index.users;
  const pages = Math.max(1, Math.ceil(matching.length / pageSize));
  const page = Math.min(query.page, pages);
  return {
    at,
    search: query.search,
    page,
    pages,
    pageSize,
    matchingUsers: matching.length,
    matchingConnections: matching.reduce((n, u) => n + u.connections.length, 0),
    totalUsers: index.users.length,
    totalConnections: index.totalConnections,
    rows: matching.slice((page - 1) * pageSize, page * pageSize).map((u) => row(u, limits)),
    limits,
  };
}
