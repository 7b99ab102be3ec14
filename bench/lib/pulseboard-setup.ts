import { SYSTEM_ACTOR } from "../../server/audit/audit-log";
import { io, type Socket } from "socket.io-client";
import { issueApiToken } from "../../server/auth/api-tokens";
import { SqlTokenStore } from "../../server/auth/token-store.sql";
import { SqlUserStore } from "../../server/auth/user-store.sql";
import { openDatabase } from "../../server/db/open";
import { BENCH_SECRET } from "./servers";

export interface BenchBoard {
  boardId: string;
  widgetId: string;
  /** A note, for the padded ops of the slow-consumer scenario. */
  noteWidgetId: string;
  publisherToken: string;
  /** Viewers are spread over these users, each holding many connections (the per-user limit is raised). */
  viewerTokens: string[];
  /** The board's revision now: the next published op gets the one after it. */
  currentRev(): Promise<number>;
  close(): void;
}

type Ack = { ok: true; [key: string]: unknown } | { ok: false; error: { code: string; message: string } };

async function call(socket: Socket, event: string, payload: unknown): Promise<Record<string, unknown>> {
  const ack = (await socket.timeout(10_000).emitWithAck(event, payload)) as Ack;
  if (!ack.ok) throw new Error(`${event}: ${ack.error.code} ${ack.error.message}`);
  return ack;
}

let opCounter = 0;
const opId = () => `benchsetup${++opCounter}${Date.now()}`;

/** The accounts a board is set up for: a publisher (the owner) and viewer users, with their API tokens. */
export interface BenchUsers {
  publisherToken: string;
  viewerTokens: string[];
  viewerNames: string[];
}

/**
 * Creates the publisher and `viewerUsers` viewer users in an instance's system of record, and mints their tokens
 * there (tokens are accepted only with their record in the token store, as `npm run token` issues them): PostgreSQL
 * at `url`, or, for an embedded instance, the SQLite file in its data folder (`dataDir`), opened and migrated here
 * before the instance starts, since SQLite is one process's database.
 */
export async function provisionUsers(
  where: { url: string } | { dataDir: string },
  viewerUsers: number,
): Promise<BenchUsers> {
  const database = await openDatabase("url" in where ? { url: where.url, dataDir: "." } : where);
  try {
    const users = new SqlUserStore(database);
    const names = Array.from({ length: viewerUsers }, (_, i) => `viewer${i}`);
    for (const name of ["publisher", ...names]) {
      if (await users.get(name)) continue;
      await users.create(
        { name, role: "user", passwordHash: "token-only", createdAt: Date.now() },
        SYSTEM_ACTOR,
      );
    }
    const tokens = new SqlTokenStore(database);
    const mint = async (name: string) =>
      (
        await issueApiToken({
          secret: BENCH_SECRET,
          tokens,
          user: { name },
          name: "bench",
          ttlSeconds: 3_600,
        })
      ).token;
    const publisherToken = await mint("publisher");
    const viewerTokens = await Promise.all(names.map(mint));
    return { publisherToken, viewerTokens, viewerNames: names };
  } finally {
    await database.close();
  }
}

/** A board with one KPI widget, created by the publisher through instance `url` and shared with every viewer user. */
export async function setUpBoard(users: BenchUsers, url: string): Promise<BenchBoard> {
  const { publisherToken, viewerTokens, viewerNames: names } = users;
  const owner = io(url, { transports: ["websocket"], reconnection: false, auth: { token: publisherToken } });
  await new Promise<void>((resolve, reject) =>
    owner.once("connect", () => resolve()).once("connect_error", reject),
  );
  const { board } = (await call(owner, "board:create", { title: "Benchmark" })) as { board: { id: string } };
  const boardId = board.id;
  const widgetId = "kpi";
  await call(owner, "board:op", {
    boardId,
    opId: opId(),
    op: { type: "widget.add", widget: { id: widgetId, type: "kpi", layout: { x: 0, y: 0, w: 3, h: 2 } } },
  });
  const noteWidgetId = "note";
  await call(owner, "board:op", {
    boardId,
    opId: opId(),
    op: {
      type: "widget.add",
      widget: { id: noteWidgetId, type: "note", layout: { x: 3, y: 0, w: 3, h: 2 }, data: { text: "" } },
    },
  });
  for (const user of names) {
    await call(owner, "board:op", {
      boardId,
      opId: opId(),
      op: { type: "member.set", user, role: "viewer" },
    });
  }
  return {
    boardId,
    widgetId,
    noteWidgetId,
    publisherToken,
    viewerTokens,
    async currentRev() {
      const res = (await call(owner, "board:sync", { boardId, sinceRev: Number.MAX_SAFE_INTEGER })) as {
        rev: number;
      };
      return res.rev;
    },
    close: () => owner.close(),
  };
}
