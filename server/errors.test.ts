import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import { Server } from "socket.io";
import { io as connectClient, type Socket as ClientSocket } from "socket.io-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError, type ErrorBody } from "@/lib/protocol/errors";
import { httpError, statusForError, toErrorBody } from "./errors";
import { Router } from "./http/router";
import type { Logger } from "./logging/logger";
import { EventRouter } from "./realtime/event-router";
import type { AppServer } from "./realtime/types";

const zodFailure = () => z.strictObject({ n: z.number() }).safeParse({ n: "x" }).error!;

interface Kind {
  kind: string;
  error: () => unknown;
  body: ErrorBody;
  status: number;
  logged: boolean;
}

/** Redis (or a Cluster shard) out of reach: retry later, nothing to log. */
const unavailable = (message: string): Kind => ({
  kind: `storage failing with "${message}"`,
  error: () => new Error(message),
  body: { code: "UNAVAILABLE", message: "the server's storage is unreachable; retry shortly" },
  status: 503,
  logged: false,
});

/** PostgreSQL out of reach, as pg reports it: an error with a SQLSTATE or socket code. */
const databaseUnavailable = (message: string, code?: string): Kind => ({
  ...unavailable(message),
  kind: `the database failing with "${message}"${code ? ` (${code})` : ""}`,
  error: () => Object.assign(new Error(message), code ? { code } : {}),
});

/** A bug: logged, and the client learns nothing about it. */
const internal = (kind: string, error: () => unknown): Kind => ({
  kind,
  error,
  body: { code: "INTERNAL", message: "internal error; retry shortly" },
  status: 500,
  logged: true,
});

/** One of each kind of thing a handler can throw, with the body a client must get for it. */
const KINDS: Kind[] = [
  {
    kind: "an AppError",
    error: () => new AppError("CONFLICT", "the board moved on", { rev: 3 }),
    body: { code: "CONFLICT", message: "the board moved on", details: { rev: 3 } },
    status: 409,
    logged: false,
  },
  {
    kind: "an AppError without details",
    error: () => new AppError("NOT_FOUND", "no such board"),
    body: { code: "NOT_FOUND", message: "no such board" },
    status: 404,
    logged: false,
  },
  {
    kind: "a ZodError",
    error: zodFailure,
    body: {
      code: "VALIDATION",
      message: "n: Invalid input: expected number, received string",
      details: { issues: [{ path: "n", message: "Invalid input: expected number, received string" }] },
    },
    status: 400,
    logged: false,
  },
  unavailable("Connection is closed."),
  unavailable("CLUSTERDOWN The cluster is down"),
  databaseUnavailable("Connection terminated unexpectedly"),
  databaseUnavailable("timeout exceeded when trying to connect"),
  // Node's error for every address of "localhost" refused: no message, only the code.
  databaseUnavailable("", "ECONNREFUSED"),
  databaseUnavailable("terminating connection due to administrator command", "57P01"),
  databaseUnavailable("the database system is starting up", "57P03"),
  databaseUnavailable("could not connect to server", "08006"),
  // A constraint the store did not expect is a bug, not an outage.
  internal("a unique violation", () =>
    Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505" }),
  ),
  internal("a bug", () => new TypeError("cannot read properties of undefined (reading 'secret')")),
  internal("a thrown string", () => "not an Error"),
];

describe("toErrorBody and httpError", () => {
  it.each(KINDS)("map $kind to its code and message, logging only the unexpected", (k) => {
    const seen: unknown[] = [];
    const thrown = k.error();
    const body = toErrorBody(thrown, (err) => seen.push(err));
    expect(body).toEqual(k.body);
    expect(seen).toEqual(k.logged ? [thrown] : []);
    expect(httpError(body)).toEqual({ status: k.status, body: { ok: false, error: k.body } });
  });

  it("never leaks a bug's message to the client", () => {
    const body = toErrorBody(new Error("password=hunter2 in row 3"), () => undefined);
    expect(JSON.stringify(body)).not.toContain("hunter2");
  });

  it("answers a spent byte quota with 413 and a spent count quota with 429", () => {
    expect(statusForError({ code: "QUOTA_EXCEEDED", message: "", details: { unit: "bytes" } })).toBe(413);
    expect(statusForError({ code: "QUOTA_EXCEEDED", message: "", details: { unit: "tasks" } })).toBe(429);
  });
});

/** A real pino logger whose error lines the test can read. */
function recordingLogger(): { logger: Logger; lines: { msg: string; err?: { message: string } }[] } {
  const lines: { msg: string; err?: { message: string } }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
      done();
    },
  });
  return { logger: pino({ level: "error" }, sink), lines };
}

describe("the same errors through a socket ack and an HTTP response", () => {
  let http: HttpServer;
  let io: AppServer;
  let client: ClientSocket;
  let base: string;
  let next: () => unknown = () => undefined;
  const log = recordingLogger();

  beforeAll(async () => {
    const events = new EventRouter(log.logger).handle("system:ping", () => {
      throw next();
    });
    const router = new Router(log.logger, { allowedOrigins: [] }).on("GET", "/api/fails", () => {
      throw next();
    });
    http = createServer((req, res) => void router.handle(req, res));
    io = new Server(http);
    io.use((socket, done) => {
      socket.data.user = { name: "alice", role: "user", expiresAt: 0, via: "token", epoch: 0, issuedAt: 0 };
      socket.data.connectionId = "c1";
      done();
    });
    io.on("connection", (socket) => events.attach(socket));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    client = connectClient(base, { transports: ["websocket"], reconnection: false, forceNew: true });
    await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  });
  afterAll(async () => {
    client.close();
    await io.close();
  });
  beforeEach(() => {
    log.lines.length = 0;
  });

  it.each(KINDS)("$kind: the ack and the response carry the same body", async (k) => {
    next = k.error;
    const ack = (await client.emitWithAck("system:ping", { t: 1 })) as unknown;
    expect(ack).toEqual({ ok: false, error: k.body });
    expect(log.lines.map((l) => l.msg)).toEqual(k.logged ? ["event handler failed"] : []);

    const res = await fetch(`${base}/api/fails`);
    expect(res.status).toBe(k.status);
    expect(await res.json()).toEqual({ ok: false, error: k.body });
    expect(log.lines.map((l) => l.msg)).toEqual(
      k.logged ? ["event handler failed", "http handler failed"] : [],
    );
  });

  it("answers an invalid payload with VALIDATION before the handler runs", async () => {
    next = () => new Error("the handler ran");
    const ack = (await client.emitWithAck("system:ping", { t: "soon" } as never)) as unknown;
    expect(ack).toMatchObject({
      ok: false,
      error: { code: "VALIDATION", message: expect.stringMatching(/^t: /) },
    });
    expect(log.lines).toEqual([]);
  });
});
