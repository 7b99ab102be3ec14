import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectOk, tokenFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";

describe("event validation", () => {
  let server: TestInstance;
  let socket: TestSocket;
  beforeAll(async () => {
    server = await startInstance();
    socket = await connectOk(server.url, { token: await tokenFor("alice") });
  });
  afterAll(async () => {
    socket.close();
    await server.close();
  });

  it("answers a valid ping", async () => {
    const res = await socket.emitWithAck("system:ping", { t: 42 });
    expect(res).toMatchObject({ ok: true, t: 42 });
  });

  it("answers malformed payloads with a VALIDATION error ack naming the field", async () => {
    const cases: unknown[] = [
      { t: "soon" },
      {},
      null,
      "x",
      42,
      [1, 2],
      { t: 1, extra: true },
      { t: Infinity },
    ];
    for (const payload of cases) {
      const res = await socket.emitWithAck("system:ping", payload as never);
      expect(res.ok, JSON.stringify(payload)).toBe(false);
      if (!res.ok) expect(res.error.code).toBe("VALIDATION");
    }
    const res = await socket.emitWithAck("system:ping", { t: "soon" } as never);
    expect(!res.ok && res.error.message).toMatch(/^t: /);
  });

  it("answers unknown events with NOT_FOUND and ignores events without an ack", async () => {
    const res = (await (
      socket as unknown as { emitWithAck: (e: string, p: unknown) => Promise<unknown> }
    ).emitWithAck("no:such", {})) as {
      ok: boolean;
      error: { code: string };
    };
    expect(res).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    socket.emit("system:ping", { t: "bad" } as never, undefined as never);
    (socket as unknown as { emit: (...a: unknown[]) => void }).emit("system:ping");
    (socket as unknown as { emit: (...a: unknown[]) => void }).emit(
      "system:ping",
      Buffer.from([1, 2, 3]),
      "not a function",
    );
    // The server is still there and still answers.
    expect(await socket.emitWithAck("system:ping", { t: 1 })).toMatchObject({ ok: true });
  });
});
