import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBoardClient, eventually, newOpId } from "../testing/board-client";
import { connectOk, tokenFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";

/**
 * Revoking a member takes their sockets out of the board's room on every instance; presence must follow, or the
 * other viewers keep seeing them (renewed every tick) for as long as their socket stays connected.
 */
describe("presence after access is revoked", () => {
  let server: TestInstance;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = await startInstance({ seedDemoUsers: true, env: { INSTANCE_LEASE_MS: "1500" } });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await server.close();
  });

  it("drops a revoked member from the viewers at once", async () => {
    const alice = await connectOk(server.url, { token: await tokenFor("alice") });
    const bob = await connectOk(server.url, { token: await tokenFor("bob") });
    sockets.push(alice, bob);
    const created = await alice.emitWithAck("board:create", { title: "Private" });
    if (!created.ok) throw new Error(created.error.message);
    const owner = new TestBoardClient(alice, created.board.id);
    await owner.join();
    await owner.op({ type: "member.set", user: "bob", role: "viewer" });
    await new TestBoardClient(bob, created.board.id).join();
    await eventually(() => expect(owner.presence.map((v) => v.user)).toEqual(["alice", "bob"]));

    const revoked = await alice.emitWithAck("board:op", {
      boardId: created.board.id,
      opId: newOpId(),
      op: { type: "member.set", user: "bob", role: null },
    });
    expect(revoked.ok).toBe(true);
    // Bob's socket stays connected (he is on another page of the app); three lease renewals later he is still
    // listed as viewing a board he can no longer open.
    await eventually(() => expect(owner.presence.map((v) => v.user)).toEqual(["alice"]), 2_000);
  });
});
