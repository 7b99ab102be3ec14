import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommittedOp } from "@/lib/protocol/boards";
import { eventually } from "@/server/testing/board-client";
import { connectOk, tokenFor } from "@/server/testing/clients";
import { expectConverged, sharedChecklistBoard } from "@/server/testing/converge";
import { EditingClient } from "@/server/testing/editing-client";
import { startProcessInstance, type ProcessInstance } from "@/server/testing/process-instance";
import { tempDir } from "@/server/testing/temp-dir";

/**
 * The embedded default (one process, SQLite in DATA_DIR) is SIGKILLed while clients edit, with acks in flight,
 * and started again on the same port and data folder. Every op acknowledged before the kill is on the board at the
 * revision its ack gave, the clients resend what was not acknowledged under the same opIds, and all converge.
 */
describe("fault: the embedded server crashes right after acks", () => {
  let instance: ProcessInstance | undefined;
  let dataDir: { path: string; remove(): Promise<void> };
  const clients: EditingClient[] = [];
  const env = () => ({
    DATA_DIR: dataDir.path,
    SEED_DEMO_USERS: "true",
    INSTANCE_ID: "solo",
    MAX_CONNECTIONS_PER_USER: "20",
  });

  beforeAll(async () => {
    dataDir = await tempDir("pb-embedded-crash-");
    instance = await startProcessInstance(env());
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await instance?.stop();
    await dataDir?.remove();
  });

  it("keeps every acknowledged op and converges after a restart", async () => {
    const url = instance!.url;
    const port = Number(new URL(url).port);
    const boardId = await sharedChecklistBoard(url, "alice", ["bob"], ["l1", "l2", "l3"]);
    const plan = [
      ["alice-1", "alice"],
      ["bob-1", "bob"],
      ["alice-2", "alice"],
    ] as const;
    for (const [i, [name, user]] of plan.entries()) {
      clients.push(new EditingClient(url, await tokenFor(user), name, boardId, `l${i + 1}`));
    }
    await eventually(() => expect(clients.every((c) => c.replica)).toBe(true));
    clients.forEach((c) => c.start(30));

    // Kill the moment a few more acks have arrived, while each client has more in flight.
    await eventually(() => expect(clients.every((c) => c.acked.size >= 15)).toBe(true), 60_000);
    instance!.signal("SIGKILL");
    await instance!.exited;
    const ackedBeforeKill = new Map<string, CommittedOp>();
    for (const c of clients) for (const [opId, entry] of c.acked) ackedBeforeKill.set(opId, entry);
    await instance!.stop();
    instance = await startProcessInstance(env(), { port });

    // Every acknowledged op is in the restarted server's log, at the revision its ack gave.
    const reader = await connectOk(instance.url, { token: await tokenFor("alice") });
    try {
      const log = await reader.timeout(10_000).emitWithAck("board:sync", { boardId, sinceRev: 0 });
      if (!log.ok || !("entries" in log)) throw new Error("expected the board's log");
      const entries: CommittedOp[] = log.entries;
      const byOpId = new Map(entries.map((e) => [e.opId, e]));
      const lost = [...ackedBeforeKill.values()].filter((e) => byOpId.get(e.opId)?.rev !== e.rev);
      expect(lost).toEqual([]);
      console.log(`${ackedBeforeKill.size} ops acknowledged before the kill, all present after the restart`);
    } finally {
      reader.close();
    }

    // The clients reconnect to the same port, resend what was pending, and everything made is applied once.
    await eventually(() => expect(clients.every((c) => c.replica)).toBe(true), 60_000);
    clients.forEach((c) => c.stop());
    await Promise.all(clients.map((c) => c.drained(60_000)));
    const { items, rev } = await expectConverged(clients, instance.url, boardId);
    console.log(`${items} ops in all, board at rev ${rev}`);
  }, 180_000);
});
