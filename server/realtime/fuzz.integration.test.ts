import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { Ack } from "@/lib/protocol/ack";
import {
  adminClientEvents,
  type AdminEventName,
  type QueueStats,
  type UsersPage,
} from "@/lib/protocol/admin";
import { clientEventSpecs } from "@/lib/protocol/events";
import { adminWatcher, type AdminClient } from "../admin/test-clients";
import { TestBoardClient } from "../testing/board-client";
import { connectOk, tokenFor, waitFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";

/** Malformed events sent per namespace and run: valid cases are never generated, so each one counts. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

/** socket.io-client refuses to emit these names, and the server's parser refuses any packet that carries one. */
const RESERVED = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

type Specs = Record<string, { payload: z.ZodType }>;
type AckMode = "function" | "absent" | "not-a-function";
interface FuzzCase {
  event: string | number;
  payload: unknown;
  ack: AckMode;
}

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
    "metrics:report": { samples: [12.5], rtt: [3] },
  };
}

const adminSamples: Record<AdminEventName, unknown> = {
  "admin:history": {},
  "admin:users": { search: "al", page: 1 },
  "admin:queue": {},
  "admin:disconnect-user": { user: "bob" },
  "admin:announce": { message: "fuzz" },
  "admin:set-limit": { user: "bob", limit: 3 },
  "admin:retry-task": { taskId: "t1" },
  "admin:audit": { action: "signin", limit: 5 },
};

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

const isKnown = (specs: Specs, event: string | number): event is string =>
  typeof event === "string" && Object.prototype.hasOwnProperty.call(specs, event);

/**
 * Malformed events for one namespace: its own events with mutated or arbitrary payloads, and names it does not
 * know (random strings, numbers, the other namespace's events, names that mean something to JavaScript or to
 * Socket.IO). A payload that happens to be valid is never generated, so every case the test sends is malformed.
 */
function malformedCases(specs: Specs, samples: Record<string, unknown>, foreign: string[]) {
  const names = Object.keys(specs);
  const event = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...names) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).filter((n) => !RESERVED.includes(n)) },
    { weight: 1, arbitrary: fc.integer() },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        ...foreign,
        "__proto__",
        "constructor",
        "toString",
        "hasOwnProperty",
        "error",
        "connection",
        "ping",
      ),
    },
  );
  return event
    .chain((name) =>
      fc.record({
        event: fc.constant(name),
        payload: isKnown(specs, name) ? fc.oneof(mutate(samples[name]), nasty) : nasty,
        ack: fc.constantFrom<AckMode>("function", "absent", "not-a-function"),
      }),
    )
    .filter((c) => !isKnown(specs, c.event) || !specs[c.event]!.payload.safeParse(onWire(c.payload)).success);
}

type RawSocket = {
  emit: (...args: unknown[]) => void;
  timeout: (ms: number) => { emitWithAck: (...args: unknown[]) => Promise<unknown> };
};
type Answer = { ok: boolean; error?: { code: string; message: string } };

function expectErrorAck(res: unknown) {
  const answer = res as Answer;
  expect(answer.ok).toBe(false);
  expect(typeof answer.error?.code).toBe("string");
  expect(typeof answer.error?.message).toBe("string");
}

/**
 * Sends `RUNS` malformed events on `socket` and returns how many went out per event name and how many were
 * answered. With a function ack, an event the namespace answers (`answers`) must get an error ack; one it ignores
 * is not waited for, and any answer it gets anyway (`stray`) must be an error too.
 */
async function fuzz(
  socket: RawSocket,
  specs: Specs,
  cases: fc.Arbitrary<FuzzCase>,
  answers: (event: string | number) => boolean,
): Promise<{ sent: number; acked: number; perEvent: Map<string, number>; stray: unknown[] }> {
  const perEvent = new Map<string, number>();
  const stray: unknown[] = [];
  let sent = 0;
  let acked = 0;
  await fc.assert(
    fc.asyncProperty(cases, async ({ event, payload, ack }) => {
      sent++;
      perEvent.set(String(event), (perEvent.get(String(event)) ?? 0) + 1);
      if (ack === "function" && answers(event)) {
        expectErrorAck(await socket.timeout(5_000).emitWithAck(event, payload));
        acked++;
      } else if (ack === "function") socket.emit(event, payload, (res: unknown) => stray.push(res));
      else if (ack === "absent") socket.emit(event, payload);
      else socket.emit(event, payload, "not a function", 42);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  const unknown = [...perEvent].filter(([name]) => !isKnown(specs, name)).reduce((n, [, k]) => n + k, 0);
  console.log(
    `seed ${SEED}: ${sent} malformed events (${unknown} of them with unknown names), ${acked} error acks awaited, ` +
      `${stray.length} stray answers`,
  );
  return { sent, acked, perEvent, stray };
}

describe("fuzzing every client event", () => {
  let server: TestInstance;
  let socket: TestSocket;
  let bystander: TestSocket;
  let admin: AdminClient;
  let boardId: string;

  beforeAll(async () => {
    server = await startInstance({
      seedDemoUsers: true,
      env: {
        RATE_LIMIT_EVENTS_PER_SEC: "100000",
        RATE_LIMIT_BURST: "100000",
        MAX_CONNECTIONS_PER_USER: "20",
      },
    });
    socket = await connectOk(server.url, { token: await tokenFor("alice") });
    bystander = await connectOk(server.url, { token: await tokenFor("bob") });
    admin = (await adminWatcher(server.url, await tokenFor("admin", "admin"))).socket;
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
    bystander?.close();
    admin?.close();
    await server?.close();
  });

  /** Everything a malformed event could change: alice's boards, the board, her feed and tasks, bob's feed. */
  async function snapshot() {
    const [boards, sync, feed, tasks, bobFeed] = await Promise.all([
      socket.emitWithAck("board:list", {}),
      socket.emitWithAck("board:sync", { boardId, sinceRev: 0 }),
      socket.emitWithAck("notify:list", { limit: 200 }),
      socket.emitWithAck("task:list", {}),
      bystander.emitWithAck("notify:list", { limit: 200 }),
    ]);
    return JSON.stringify({ boards, sync, feed, tasks, bobFeed });
  }

  /** What an admin action could change besides that: limits, who is connected, the queue. */
  async function adminSnapshot() {
    const users: Ack<UsersPage> = await admin.timeout(10_000).emitWithAck("admin:users", {});
    const queue: Ack<QueueStats> = await admin.timeout(10_000).emitWithAck("admin:queue", {});
    if (!users.ok) throw new Error(`admin:users: ${users.error.message}`);
    if (!queue.ok) throw new Error(`admin:queue: ${queue.error.message}`);
    return JSON.stringify({
      limits: users.limits,
      users: users.rows.map((r) => [r.name, r.connectionCount, r.limit, r.limitSource]),
      queue: queue.counts,
    });
  }

  it(`answers ${RUNS} malformed events with error acks or silence, never crashing or changing state`, async () => {
    const before = await snapshot();
    const specs = clientEventSpecs as Specs;
    // The main namespace answers every event that carries an ack, unknown ones with NOT_FOUND.
    const run = await fuzz(
      socket as unknown as RawSocket,
      specs,
      malformedCases(specs, validSamples(boardId), Object.keys(adminClientEvents)),
      () => true,
    );
    // Silence cases are answered in order: one round trip settles them all before comparing state.
    expect(await socket.emitWithAck("system:ping", { t: 1 })).toMatchObject({ ok: true });
    expect(await snapshot()).toBe(before);
    expect(run.sent).toBe(RUNS);
    expect(Object.keys(specs).filter((name) => !run.perEvent.has(name))).toEqual([]);
    expect(run.acked).toBeGreaterThan(RUNS / 6);
    expect(socket.connected && bystander.connected).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 600_000);

  it(`answers ${RUNS} malformed /admin events from an admin with error acks or silence, changing nothing`, async () => {
    const before = [await snapshot(), await adminSnapshot()];
    const specs = adminClientEvents as Specs;
    // /admin answers its own events only; anything else is ignored, and an event without an ack has nobody to
    // answer, so it is dropped before validation.
    const run = await fuzz(
      admin as unknown as RawSocket,
      specs,
      malformedCases(specs, adminSamples, Object.keys(clientEventSpecs)),
      (event) => isKnown(specs, event),
    );
    expect(await admin.timeout(10_000).emitWithAck("admin:history", {})).toMatchObject({ ok: true });
    expect([await snapshot(), await adminSnapshot()]).toEqual(before);
    expect(run.sent).toBe(RUNS);
    expect(Object.keys(specs).filter((name) => !run.perEvent.has(name))).toEqual([]);
    // A third of the cases carry a function ack, and most of those name an /admin event: well above a sixth.
    expect(run.acked).toBeGreaterThan(RUNS / 6);
    run.stray.forEach(expectErrorAck);
    expect(admin.connected && socket.connected && bystander.connected).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 600_000);

  it("closes a connection whose packet carries a reserved event name, and serves others", async () => {
    // Below socket.io-client, which refuses these names: an EVENT packet (type 2) written to the transport.
    const sendRaw = (s: TestSocket, name: string) => s.io.engine.send(`2${JSON.stringify([name, { t: 1 }])}`);
    for (const name of RESERVED) {
      const raw = await connectOk(server.url, { token: await tokenFor("bob") });
      // The same path with an ordinary name is served, so what closes the connection below is the name.
      sendRaw(raw, "system:ping");
      expect(await raw.emitWithAck("system:ping", { t: 2 })).toMatchObject({ ok: true });
      const closed = waitFor<string>(raw, "disconnect", 10_000);
      sendRaw(raw, name);
      expect(await closed).toMatch(/transport (close|error)|parse error/);
    }
    expect(await socket.emitWithAck("system:ping", { t: 3 })).toMatchObject({ ok: true });
    expect(await admin.timeout(10_000).emitWithAck("admin:history", {})).toMatchObject({ ok: true });
  });

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
    // The per-user quotas would answer most of these 429 before a parser sees them: lift them, so every case counts.
    server = await startInstance({
      seedDemoUsers: true,
      env: {
        QUOTA_HTTP_PER_MINUTE_PER_USER: "10000000",
        QUOTA_HTTP_PER_MINUTE_PER_IP: "10000000",
        QUOTA_TASKS_PER_MINUTE_PER_USER: "1000000",
        QUOTA_TASKS_CONCURRENT_PER_USER: "10000",
        QUOTA_STORED_BYTES_PER_USER: "1073741824",
      },
    });
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
