import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientEventSpecs, isClientEventName } from "@/lib/protocol/events";
import { TestBoardClient } from "../testing/board-client";
import { connectOk, tokenFor, waitFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const names = Object.keys(clientEventSpecs);

/** A valid payload per event, so that mutations explore the space right next to what the server accepts. */
function validSamples(boardId: string): Record<string, unknown> {
  return {
    "system:ping": { t: 1 },
    "session:info": {},
    "board:list": {},
    "board:create": { title: "fuzz" },
    "board:delete": { boardId },
    "board:join": { boardId },
    "board:leave": { boardId },
    "board:sync": { boardId, sinceRev: 0 },
    "board:op": {
      boardId,
      opId: "fuzzfuzz1",
      op: { type: "note.text", widgetId: "n1", text: "x", baseRev: 0 },
    },
    "board:editing": { boardId, widgetId: "n1" },
    "board:cursor": { boardId, x: 0.5, y: 1 },
    "notify:list": { limit: 5 },
    "notify:read": { ids: ["a"] },
    "task:start": { kind: "board-export", boardId },
    "task:list": {},
    "task:cancel": { taskId: "t1" },
    "task:retry": { taskId: "t1" },
  };
}

const nasty = fc.oneof(
  fc.anything({ maxDepth: 4, maxKeys: 6, withNullPrototype: true, withBoxedValues: true }),
  fc.string({ minLength: 5_000, maxLength: 60_000 }),
  fc.uint8Array({ maxLength: 2_000 }),
  fc.constantFrom(NaN, Infinity, -0, Number.MAX_SAFE_INTEGER + 2, "", null, undefined, true, [], {}),
  fc.letrec((tie) => ({
    deep: fc.oneof({ depthSize: "small" }, fc.constant(1), fc.array(tie("deep"), { maxLength: 2 })),
  })).deep,
  fc.constantFrom({ __proto__: { polluted: true } }, JSON.parse('{"__proto__":{"polluted":true}}'), {
    constructor: { prototype: { x: 1 } },
  }),
);

/** Replaces, deletes or adds one field somewhere in a valid payload. */
function mutate(sample: unknown): fc.Arbitrary<unknown> {
  const paths: string[][] = [];
  const walk = (v: unknown, path: string[]) => {
    if (v && typeof v === "object")
      for (const [k, child] of Object.entries(v)) {
        paths.push([...path, k]);
        walk(child, [...path, k]);
      }
  };
  walk(sample, []);
  if (paths.length === 0) return nasty;
  return fc
    .tuple(fc.constantFrom(...paths), fc.constantFrom("replace", "delete", "extra"), nasty)
    .map(([path, how, value]) => {
      const copy = structuredClone(sample) as Record<string, unknown>;
      let target = copy;
      for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
      const last = path[path.length - 1]!;
      if (how === "delete") delete target[last];
      else if (how === "extra") target[`x${last}`] = value;
      else target[last] = value;
      return copy;
    });
}

/** What the server receives for `payload`: socket.io sends JSON, with binary parts as Buffers. */
function onWire(payload: unknown): unknown {
  if (payload === undefined) return null;
  const json = JSON.stringify(payload, (_k, v: unknown) =>
    v instanceof Uint8Array ? { __bin__: Array.from(v) } : v,
  );
  return JSON.parse(json, (_k, v: unknown) =>
    v && typeof v === "object" && "__bin__" in v ? Buffer.from((v as { __bin__: number[] }).__bin__) : v,
  ) as unknown;
}

describe("fuzzing every client event", () => {
  let server: TestInstance;
  let socket: TestSocket;
  let boardId: string;

  beforeAll(async () => {
    server = await startInstance({
      seedDemoUsers: true,
      env: { RATE_LIMIT_EVENTS_PER_SEC: "100000", RATE_LIMIT_BURST: "100000" },
    });
    socket = await connectOk(server.url, { token: await tokenFor("alice") });
    const created = await socket.emitWithAck("board:create", { title: "Fuzz target" });
    if (!created.ok) throw new Error(created.error.message);
    boardId = created.board.id;
    const client = new TestBoardClient(socket, boardId);
    await client.join();
    await client.op({
      type: "widget.add",
      widget: { id: "n1", type: "note", layout: { x: 0, y: 0, w: 3, h: 2 } },
    });
  });
  afterAll(async () => {
    socket?.close();
    await server?.close();
  });

  async function snapshot() {
    const [boards, sync, feed, tasks] = await Promise.all([
      socket.emitWithAck("board:list", {}),
      socket.emitWithAck("board:sync", { boardId, sinceRev: 0 }),
      socket.emitWithAck("notify:list", { limit: 200 }),
      socket.emitWithAck("task:list", {}),
    ]);
    return JSON.stringify({ boards, sync, feed, tasks });
  }

  it(`answers ${RUNS} malformed events with error acks or silence, never crashing or changing state`, async () => {
    const before = await snapshot();
    const samples = validSamples(boardId);
    const eventArb = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...names) },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "__proto__",
          "constructor",
          "toString",
          "connect",
          "disconnect",
          "error",
          "newListener",
        ),
      },
    );
    const caseArb = eventArb.chain((event) =>
      fc.record({
        event: fc.constant(event),
        payload: isClientEventName(event) ? fc.oneof(mutate(samples[event]), nasty) : nasty,
        ack: fc.constantFrom("function", "absent", "not-a-function"),
      }),
    );
    let acked = 0;
    let skippedValid = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ event, payload, ack }) => {
        if (isClientEventName(event) && clientEventSpecs[event].payload.safeParse(onWire(payload)).success) {
          skippedValid++;
          return;
        }
        const raw = socket as unknown as {
          emit: (...args: unknown[]) => void;
          timeout: (ms: number) => { emitWithAck: (...args: unknown[]) => Promise<unknown> };
        };
        // socket.io-client refuses to send its reserved names; the server never sees them.
        if (
          [
            "connect",
            "connect_error",
            "disconnect",
            "disconnecting",
            "newListener",
            "removeListener",
          ].includes(event)
        )
          return;
        if (ack === "function") {
          const res = (await raw.timeout(5_000).emitWithAck(event, payload)) as {
            ok: boolean;
            error?: { code: string; message: string };
          };
          expect(res.ok).toBe(false);
          expect(typeof res.error?.code).toBe("string");
          expect(typeof res.error?.message).toBe("string");
          acked++;
        } else if (ack === "absent") raw.emit(event, payload);
        else raw.emit(event, payload, "not a function", 42);
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    // Silence cases are answered in order: one round trip settles them all before comparing state.
    expect(await socket.emitWithAck("system:ping", { t: 1 })).toMatchObject({ ok: true });
    expect(await snapshot()).toBe(before);
    expect(acked).toBeGreaterThan(RUNS / 5);
    expect(skippedValid).toBeLessThan(RUNS / 2);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 600_000);

  it("refuses a message above the size limit by closing that connection, and serves others", async () => {
    const big = await connectOk(server.url, { token: await tokenFor("bob") });
    const closed = waitFor<string>(big, "disconnect", 10_000);
    big.emit("system:ping", { t: 1, pad: "x".repeat(300 * 1024) } as never, () => {});
    expect(await closed).toMatch(/transport (close|error)|parse error/);
    expect(await socket.emitWithAck("system:ping", { t: 2 })).toMatchObject({ ok: true });
  });
});

describe("fuzzing the HTTP API with malformed bodies", () => {
  let server: TestInstance;
  let token: string;
  let boardId: string;
  beforeAll(async () => {
    server = await startInstance({ seedDemoUsers: true });
    token = await tokenFor("alice");
    const socket = await connectOk(server.url, { token });
    const created = await socket.emitWithAck("board:create", { title: "HTTP fuzz" });
    if (!created.ok) throw new Error(created.error.message);
    boardId = created.board.id;
    await new TestBoardClient(socket, boardId).op({
      type: "widget.add",
      widget: { id: "c1", type: "chart", layout: { x: 0, y: 0, w: 3, h: 2 } },
    });
    socket.close();
  });
  afterAll(() => server?.close());

  it("answers every malformed push or upload with a 4xx and a JSON error that says what is wrong", async () => {
    const body = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.json(),
      fc.anything({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? "null"),
      fc.constant('{"points":[[1,"x"]]}'),
      fc.constant('{"points":[]}'),
      fc.constant('{"points":[[1,2]],"extra":1}'),
    );
    const type = fc.constantFrom(
      "application/json",
      "text/csv",
      "text/plain",
      "application/x-www-form-urlencoded",
      "",
    );
    const target = fc.constantFrom(
      `/api/boards/${boardId}/widgets/c1/points`,
      `/api/boards/${boardId}/widgets/nope/points`,
      `/api/boards/${boardId}/widgets/c1%00/points`,
      `/api/tasks/csv-import?boardId=${boardId}&widgetId=c1&skipInvalid=maybe`,
      `/api/tasks/csv-import?boardId=../../etc&widgetId=c1`,
      `/api/tokens`,
    );
    await fc.assert(
      fc.asyncProperty(target, type, body, async (path, contentType, payload) => {
        const headers: Record<string, string> = { authorization: `Bearer ${token}` };
        if (contentType) headers["content-type"] = contentType;
        const res = await fetch(`${server.url}${path}`, { method: "POST", headers, body: payload });
        if (res.status < 300) {
          // Valid by chance: a well-formed push, or a parseable CSV that became a task.
          expect([200, 202]).toContain(res.status);
          return;
        }
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        const json = (await res.json()) as { ok: boolean; error: { code: string; message: string } };
        expect(json.ok).toBe(false);
        expect(json.error.message.length).toBeGreaterThan(3);
      }),
      { numRuns: Number(process.env.FUZZ_HTTP_RUNS ?? 1_000) },
    );
  }, 300_000);
});
