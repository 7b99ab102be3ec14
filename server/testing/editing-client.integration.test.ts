import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKLIST_LIMITS } from "@/lib/boards/widgets/checklist";
import { tokenFor } from "./clients";
import { expectConverged, sharedChecklistBoard } from "./converge";
import { EditingClient } from "./editing-client";
import { eventually } from "./board-client";
import { startInstance, type TestInstance } from "./instance";

/** The fault tests' editing client goes on past a full checklist, however long a slow machine makes it edit. */
describe("EditingClient", () => {
  let inst: TestInstance;
  let client: EditingClient | undefined;
  beforeAll(async () => {
    inst = await startInstance({ seedDemoUsers: true });
  });
  afterAll(async () => {
    client?.close();
    await inst?.close();
  });

  it("adds a checklist when its checklist is full, and every item lands once", async () => {
    const boardId = await sharedChecklistBoard(inst.url, "alice", [], ["l1"]);
    client = new EditingClient(inst.url, await tokenFor("alice"), "alice-1", boardId, "l1");
    await eventually(() => expect(client!.replica).toBeDefined());
    const edits = 2 * CHECKLIST_LIMITS.items + 10;
    for (let i = 0; i < edits; i++) client.edit();
    await client.drained(60_000);
    expect(client.error).toBeUndefined();
    expect(client.widgets).toEqual(["l1", "l1-2", "l1-3"]);
    const { items } = await expectConverged([client], inst.url, boardId);
    expect(items).toBe(edits);
  }, 90_000);
});
