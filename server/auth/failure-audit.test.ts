import { describe, expect, it } from "vitest";
import { FailureAuditGate } from "./failure-audit";

describe("FailureAuditGate", () => {
  it("admits one failure per account and address per window, and counts the others into the next one", () => {
    let now = 0;
    const gate = new FailureAuditGate(1_000, 100, () => now);
    expect(gate.admit("alice", "10.0.0.1")).toEqual({ suppressed: 0 });
    for (let i = 0; i < 5; i++) expect(gate.admit("alice", "10.0.0.1")).toBeUndefined();
    // Another address, another account: their own windows.
    expect(gate.admit("alice", "10.0.0.2")).toEqual({ suppressed: 0 });
    expect(gate.admit("bob", "10.0.0.1")).toEqual({ suppressed: 0 });
    now = 999;
    expect(gate.admit("alice", "10.0.0.1")).toBeUndefined();
    now = 1_000;
    expect(gate.admit("alice", "10.0.0.1")).toEqual({ suppressed: 6 });
    expect(gate.admit("alice", "10.0.0.1")).toBeUndefined();
  });

  it("keeps at most maxPairs pairs, dropping the oldest", () => {
    const gate = new FailureAuditGate(60_000, 3, () => 0);
    for (const name of ["a1", "a2", "a3", "a4"]) expect(gate.admit(name, "ip")).toEqual({ suppressed: 0 });
    // a1 was dropped: it is admitted again; a4 is still in its window.
    expect(gate.admit("a1", "ip")).toEqual({ suppressed: 0 });
    expect(gate.admit("a4", "ip")).toBeUndefined();
  });
});
