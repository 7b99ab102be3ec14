import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskInfo, TaskRequest } from "@/lib/protocol/tasks";
import { contractBackends } from "../testing/backends";
import { queuedTask } from "./queue";
import { SqlTaskRecords } from "./records.sql";

const request: TaskRequest = { kind: "board-export", boardId: "b1" };

describe.each(contractBackends({ sql: true }))("SqlTaskRecords ($name)", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it("keeps a completed or cancelled record against a later report of a stale attempt; a retry still changes it", async () => {
    const env = await backend.fresh();
    const records = new SqlTaskRecords(env.sql!);
    const queued = queuedTask("t1", "alice", "Export", request, 1_000);
    await records.insert(queued, request);
    const running: TaskInfo = { ...queued, status: "running", attempts: 1, updatedAt: 2_000 };
    expect(await records.save(running)).toBe(true);
    const completed: TaskInfo = {
      ...running,
      status: "completed",
      progress: 100,
      attempts: 2,
      updatedAt: 3_000,
    };
    expect(await records.save(completed)).toBe(true);
    // The first attempt's worker lost its lock during an outage and reports its failure afterwards.
    const stale: TaskInfo = {
      ...running,
      status: "failed",
      error: { message: "lock lost", retryable: true },
      updatedAt: 4_000,
    };
    expect(await records.save(stale)).toBe(false);
    expect((await records.get("t1"))?.task).toMatchObject({ status: "completed", progress: 100 });

    const other = queuedTask("t2", "alice", "Export", request, 1_000);
    await records.insert(other, request);
    expect(await records.save({ ...other, status: "cancelled", updatedAt: 2_000 })).toBe(true);
    expect(await records.save({ ...other, status: "running", progress: 40, updatedAt: 2_500 })).toBe(false);
    expect((await records.get("t2"))?.task.status).toBe("cancelled");
    // A guarded step (a retry) is what moves a final record on.
    expect(
      await records.transition("t2", ["cancelled"], { status: "queued", updatedAt: 3_000 }),
    ).toMatchObject({
      status: "queued",
    });
    expect(await records.save({ ...other, status: "running", progress: 10, updatedAt: 3_500 })).toBe(true);
  });
});
