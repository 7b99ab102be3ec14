import { describe, expect, it } from "vitest";
import { USER_CONNECTIONS_LISTED, type LimitSettings } from "@/lib/protocol/admin";
import type { ConnectionEntry } from "../registry/types";
import { buildUsersPage, indexUsers } from "./users-page";

const limits: LimitSettings = { default: 5, defaultSource: "config", configDefault: 5, users: { bob: 9 } };

let n = 0;
function entry(user: string, instanceId: string, extra: Partial<ConnectionEntry> = {}): ConnectionEntry {
  n++;
  return {
    connectionId: `c${String(n).padStart(4, "0")}`,
    user,
    instanceId,
    transport: "websocket",
    ip: "10.0.0.1",
    userAgent: "",
    via: "token",
    connectedAt: 1_000 + n,
    ...extra,
  };
}

const query = (search = "", page = 1) => ({ search, page });

describe("buildUsersPage", () => {
  it("groups by user in name order, counts per instance, and gives each user's effective limit", () => {
    const index = indexUsers([
      entry("bob", "b"),
      entry("alice", "b", { connectedAt: 1 }),
      entry("alice", "a", { connectedAt: 5 }),
      entry("alice", "a", { connectedAt: 2, userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0" }),
    ]);
    const page = buildUsersPage(index, limits, query(), 42);
    expect(page).toMatchObject({ at: 42, totalUsers: 2, totalConnections: 4, matchingUsers: 2, pages: 1 });
    const [alice, bob] = page.rows;
    expect(alice).toMatchObject({
      name: "alice",
      connectionCount: 3,
      perInstance: { a: 2, b: 1 },
      limit: 5,
      limitSource: "default",
    });
    // By instance, then by connect time.
    expect(alice!.connections.map((c) => [c.instanceId, c.connectedAt])).toEqual([
      ["a", 2],
      ["a", 5],
      ["b", 1],
    ]);
    expect(alice!.connections[0]!.browser).toBe("Firefox 140 on Linux");
    expect(alice!.connections[1]!.browser).toBe("API token");
    expect(bob).toMatchObject({ name: "bob", limit: 9, limitSource: "user" });
  });

  it("searches names, instances, addresses and browsers, case-insensitively", () => {
    const index = indexUsers([
      entry("alice", "inst-a"),
      entry("bob", "inst-b", { ip: "192.168.7.7" }),
      entry("carol", "inst-a", { userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)" }),
    ]);
    const names = (search: string) => buildUsersPage(index, limits, query(search), 0).rows.map((r) => r.name);
    expect(names("ALI")).toEqual(["alice"]);
    expect(names("inst-a")).toEqual(["alice", "carol"]);
    expect(names("192.168")).toEqual(["bob"]);
    expect(names("ios")).toEqual(["carol"]);
    const none = buildUsersPage(index, limits, query("zzz"), 0);
    expect(none).toMatchObject({
      rows: [],
      matchingUsers: 0,
      matchingConnections: 0,
      totalUsers: 3,
      pages: 1,
    });
  });

  it("pages by user, clamps a page past the end, and lists a bounded number of connections per user", () => {
    const entries: ConnectionEntry[] = [];
    for (let i = 0; i < 60; i++) entries.push(entry(`user-${String(i).padStart(2, "0")}`, "a"));
    for (let i = 0; i < USER_CONNECTIONS_LISTED + 10; i++) entries.push(entry("user-00", "b"));
    const index = indexUsers(entries);
    const second = buildUsersPage(index, limits, query("", 2), 0, 25);
    expect(second).toMatchObject({ page: 2, pages: 3, matchingUsers: 60 });
    expect(second.rows.map((r) => r.name)).toEqual(
      Array.from({ length: 25 }, (_, i) => `user-${String(i + 25).padStart(2, "0")}`),
    );
    expect(buildUsersPage(index, limits, query("", 99), 0, 25)).toMatchObject({ page: 3 });
    const first = buildUsersPage(index, limits, query("", 1), 0, 25);
    expect(first.rows[0]).toMatchObject({ name: "user-00", connectionCount: USER_CONNECTIONS_LISTED + 11 });
    expect(first.rows[0]!.connections).toHaveLength(USER_CONNECTIONS_LISTED);
  });
});
