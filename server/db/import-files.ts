import type { Kysely } from "kysely";
import type { CommittedOp } from "@/lib/protocol/boards";
import type { NotificationItem } from "@/lib/protocol/notifications";
import type { TokenRecord } from "../auth/token-store";
import type { UserRecord } from "../auth/user-store";
import { checkKey } from "../tasks/blobs";
import { taskRow, type TaskRecord } from "../tasks/records.sql";
import {
  listLegacyBlobs,
  listLegacyBoards,
  readLegacyBlob,
  readLegacyBoard,
  readLegacyFeeds,
  readLegacyLimits,
  readLegacySeeds,
  readLegacyTasks,
  readLegacyTokens,
  readLegacyUsers,
  type LegacyBoardFile,
} from "./legacy-files";
import type { SqlDatabase } from "./open";
import type { Database } from "./schema";
import { writeTransaction } from "./transaction";

/**
 * The import of what the previous version kept outside SQL into the SQL system of record: a data folder written by
 * its JSON-file stores (`*.file.ts`, `FileBlobStore`, `tasks.json`, `seed.json`; `fileSource` here) or a Redis
 * database written by its Redis stores (`import-redis.ts`). Both are read through one `ImportSource` and written by
 * one `importLegacyData`. Each kind (users, tokens, notifications, limits, task files, tasks, seed marks) is one
 * transaction, each board is one transaction, and each transaction records in `settings` that it ran
 * (`import.files.<what>`, `import.redis.<prefix>.<what>`), so that a second run, or a restart, imports nothing
 * twice. The source is left as it is.
 */
export interface ImportSummary {
  users: number;
  tokens: number;
  notifications: number;
  limits: number;
  files: number;
  tasks: number;
  seeds: number;
  boards: number;
  ops: number;
  /** Boards whose id the database already held (created there before the import), left as the database has them. */
  skippedBoards: number;
  /** How many transactions this run committed: 0 when there was nothing (left) to import. */
  steps: number;
}

const MARK = "import.files.";
/** Rows per INSERT, well inside both dialects' limits on bound parameters. */
const CHUNK = 200;

type Tx = Kysely<Database>;

async function isMarked(database: SqlDatabase, name: string): Promise<boolean> {
  const row = await database.db
    .selectFrom("settings")
    .select("name")
    .where("name", "=", name)
    .executeTakeFirst();
  return row !== undefined;
}

async function mark(tx: Tx, name: string, items: number, now: number): Promise<void> {
  await tx
    .insertInto("settings")
    .values({ name, value: JSON.stringify({ at: now, items }) })
    .execute();
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * The ops a board file still holds (its log, and the entries its opId dedupe kept, which reach further back), as
 * the run of revisions that ends at the board's revision with no gap, oldest first.
 */
export function keptOps(file: Pick<LegacyBoardFile, "doc" | "log" | "opIds">): CommittedOp[] {
  const byRev = new Map<number, CommittedOp>();
  for (const [, entry] of file.opIds ?? []) byRev.set(entry.rev, entry);
  for (const entry of file.log ?? []) byRev.set(entry.rev, entry);
  const ops: CommittedOp[] = [];
  const seen = new Set<string>();
  for (let rev = file.doc.rev; rev >= 1; rev--) {
    const entry = byRev.get(rev);
    if (!entry || seen.has(entry.opId)) break;
    seen.add(entry.opId);
    ops.push(entry);
  }
  return ops.reverse();
}

/** One step: skipped when already marked (`name`), else `run` and the mark in one transaction. */
async function step(
  database: SqlDatabase,
  summary: ImportSummary,
  name: string,
  run: (tx: Tx) => Promise<number>,
  now: number,
): Promise<void> {
  if (await isMarked(database, name)) return;
  const done = await writeTransaction(database, async (tx) => {
    // Another process (the CLI beside a server) may have imported it meanwhile.
    const marked = await tx.selectFrom("settings").select("name").where("name", "=", name).executeTakeFirst();
    if (marked) return false;
    await mark(tx, name, await run(tx), now);
    return true;
  });
  if (done) summary.steps++;
}

async function importBoard(
  tx: Tx,
  file: Omit<LegacyBoardFile, "version">,
  summary: ImportSummary,
  now: number,
): Promise<number> {
  const { doc } = file;
  const taken = await tx.selectFrom("boards").select("id").where("id", "=", doc.id).executeTakeFirst();
  if (taken) {
    summary.skippedBoards++;
    return 0;
  }
  await tx
    .insertInto("boards")
    .values({
      id: doc.id,
      owner: doc.owner,
      rev: doc.rev,
      snapshot_rev: doc.rev,
      created_at: doc.createdAt,
      updated_at: doc.updatedAt,
    })
    .execute();
  await tx
    .insertInto("board_snapshots")
    .values({ board_id: doc.id, rev: doc.rev, doc: JSON.stringify(doc), taken_at: now })
    .execute();
  const members = [...new Set([doc.owner, ...Object.keys(doc.members)])];
  await tx
    .insertInto("board_members")
    .values(members.map((user_name) => ({ board_id: doc.id, user_name })))
    .execute();
  const ops = keptOps(file);
  for (const part of chunks(ops))
    await tx
      .insertInto("board_ops")
      .values(
        part.map((e) => ({
          board_id: doc.id,
          rev: e.rev,
          op_id: e.opId,
          op: JSON.stringify(e.op),
          by_user: e.by,
          at: e.at,
        })),
      )
      .execute();
  summary.boards++;
  summary.ops += ops.length;
  return ops.length;
}

/** A task file as the source kept it. */
export interface SourceFile {
  expiresAt: number;
  data: Buffer;
}

/**
 * What the previous version kept, read from where it kept it. Each reader answers undefined (or nothing) when the
 * source has none of that kind.
 */
export interface ImportSource {
  /** For the summary: "the data folder", "Redis at redis://...". */
  readonly name: string;
  /** The prefix of this source's marks in `settings`, e.g. `import.files.`. */
  readonly marks: string;
  users(): Promise<UserRecord[] | undefined>;
  tokens(): Promise<TokenRecord[] | undefined>;
  /** Each user's feed, newest first. */
  feeds(): Promise<[string, NotificationItem[]][] | undefined>;
  limits(): Promise<{ default?: number; users: [string, number][] } | undefined>;
  fileKeys(): Promise<string[]>;
  file(key: string): Promise<SourceFile | undefined>;
  tasks(): Promise<TaskRecord[] | undefined>;
  /** Things seeded once (the welcome board): name and what was created, "" when the source did not keep it. */
  seeds(): Promise<[string, string][] | undefined>;
  boardIds(): Promise<string[]>;
  /** The board, its recent ops and the entries its opId dedupe keeps; undefined when it is not a board. */
  board(id: string): Promise<Omit<LegacyBoardFile, "version"> | undefined>;
}

/** Reports how far an import is: `start` with the number of steps, then `step` after each. */
export interface ImportProgress {
  start(total: number): void;
  step(label: string): void;
  done(): void;
}

export interface ImportOptions {
  now?: () => number;
  progress?: ImportProgress;
}

/**
 * Imports what `source` holds and this database has not imported from it yet. Idempotent: run it any number of
 * times; only the first run that finds something imports it.
 */
export async function importLegacyData(
  database: SqlDatabase,
  source: ImportSource,
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const now = opts.now ?? Date.now;
  const progress = opts.progress;
  const summary: ImportSummary = {
    users: 0,
    tokens: 0,
    notifications: 0,
    limits: 0,
    files: 0,
    tasks: 0,
    seeds: 0,
    boards: 0,
    ops: 0,
    skippedBoards: 0,
    steps: 0,
  };
  const boardIds = await source.boardIds();
  progress?.start(7 + boardIds.length);
  /** One kind, when the source has any of it. */
  const kind = async (what: keyof ImportSummary, present: unknown, run: (tx: Tx) => Promise<number>) => {
    if (present !== undefined && !(Array.isArray(present) && present.length === 0))
      await step(
        database,
        summary,
        source.marks + what,
        async (tx) => {
          const n = await run(tx);
          summary[what] = n;
          return n;
        },
        now(),
      );
    progress?.step(what);
  };

  const users = await source.users();
  await kind("users", users, async (tx) => {
    const rows = (users ?? []).map((u) => ({
      name: u.name,
      role: u.role,
      password_hash: u.passwordHash,
      epoch: u.epoch ?? 0,
      created_at: u.createdAt,
    }));
    for (const part of chunks(rows))
      await tx
        .insertInto("users")
        .values(part)
        .onConflict((oc) => oc.column("name").doNothing())
        .execute();
    return rows.length;
  });

  const tokens = await source.tokens();
  await kind("tokens", tokens, async (tx) => {
    // An expired record is never answered again: it is not worth carrying over.
    const rows = (tokens ?? [])
      .filter((t) => t.expiresAt > now())
      .map((t) => ({
        id: t.id,
        name: t.name,
        owner: t.owner,
        created_at: t.createdAt,
        expires_at: t.expiresAt,
        last_used_at: t.lastUsedAt ?? null,
      }));
    for (const part of chunks(rows))
      await tx
        .insertInto("api_tokens")
        .values(part)
        .onConflict((oc) => oc.column("id").doNothing())
        .execute();
    return rows.length;
  });

  const feeds = await source.feeds();
  await kind("notifications", feeds, async (tx) => {
    let n = 0;
    for (const [user, feed] of feeds ?? []) {
      // A feed is newest first; rows are numbered in insertion order, so the oldest goes in first.
      const rows = [...feed].reverse().map((i) => ({
        user_name: user,
        id: i.id,
        kind: i.kind,
        title: i.title,
        body: i.body,
        by_user: i.by ?? null,
        link: i.link ?? null,
        at: i.at,
        read: i.read ? 1 : 0,
      }));
      for (const part of chunks(rows)) await tx.insertInto("notifications").values(part).execute();
      n += rows.length;
    }
    return n;
  });

  const limits = await source.limits();
  await kind("limits", limits, async (tx) => {
    let n = 0;
    if (typeof limits?.default === "number") {
      const value = String(limits.default);
      await tx
        .insertInto("settings")
        .values({ name: "connections.default", value })
        .onConflict((oc) => oc.column("name").doUpdateSet({ value }))
        .execute();
      n++;
    }
    for (const [user_name, max_connections] of limits?.users ?? []) {
      if (typeof max_connections !== "number") continue;
      await tx
        .insertInto("connection_limits")
        .values({ user_name, max_connections })
        .onConflict((oc) => oc.column("user_name").doUpdateSet({ max_connections }))
        .execute();
      n++;
    }
    return n;
  });

  const fileKeys = await source.fileKeys();
  await kind("files", fileKeys, async (tx) => {
    let n = 0;
    for (const key of fileKeys) {
      try {
        checkKey(key);
      } catch {
        continue;
      }
      const file = await source.file(key);
      if (!file || file.expiresAt <= now()) continue;
      await tx
        .insertInto("task_files")
        .values({
          key,
          bytes: file.data.length,
          data: file.data,
          created_at: now(),
          expires_at: Math.floor(file.expiresAt),
        })
        .onConflict((oc) => oc.column("key").doNothing())
        .execute();
      n++;
    }
    return n;
  });

  // Tasks keep the state they had. Those still queued or running are failed (retryable) by the task queue at its
  // next start unless it still holds them (a BullMQ job in the same Redis), see `RecordedTaskQueue`.
  const tasks = await source.tasks();
  await kind("tasks", tasks, async (tx) => {
    const rows = (tasks ?? []).map((t) => taskRow(t.task, t.request));
    for (const part of chunks(rows))
      await tx
        .insertInto("tasks")
        .values(part)
        .onConflict((oc) => oc.column("id").doNothing())
        .execute();
    return rows.length;
  });

  const seeds = await source.seeds();
  await kind("seeds", seeds, async (tx) => {
    for (const [name, value] of seeds ?? [])
      await tx
        .insertInto("settings")
        .values({ name: `seed.${name}`, value })
        .onConflict((oc) => oc.column("name").doNothing())
        .execute();
    return seeds?.length ?? 0;
  });

  // One board at a time: a board can be tens of megabytes.
  for (const id of boardIds) {
    const board = await source.board(id);
    if (board)
      await step(
        database,
        summary,
        `${source.marks}board:${board.doc.id}`,
        (tx) => importBoard(tx, board, summary, now()),
        now(),
      );
    progress?.step(`board ${id}`);
  }
  progress?.done();
  return summary;
}

/** The data folder of the previous version's JSON-file stores (`legacy-files.ts`), read as an import source. */
export function fileSource(dataDir: string): ImportSource {
  return {
    name: "the data folder",
    marks: MARK,
    users: async () => {
      const file = await readLegacyUsers(dataDir);
      return file && Object.values(file.users ?? {});
    },
    tokens: async () => {
      const file = await readLegacyTokens(dataDir);
      return file && Object.values(file.tokens ?? {});
    },
    feeds: async () => {
      const file = await readLegacyFeeds(dataDir);
      return file && Object.entries(file.feeds ?? {});
    },
    limits: async () => {
      const file = await readLegacyLimits(dataDir);
      return file && { default: file.default, users: Object.entries(file.users ?? {}) };
    },
    fileKeys: () => listLegacyBlobs(dataDir),
    file: (key) => readLegacyBlob(dataDir, key),
    tasks: () => readLegacyTasks(dataDir),
    seeds: () => readLegacySeeds(dataDir),
    boardIds: async () => (await listLegacyBoards(dataDir)).map((n) => n.slice(0, -".json".length)),
    board: (id) => readLegacyBoard(dataDir, `${id}.json`),
  };
}

/** Imports what the previous version's file stores left in `dataDir` (see `importLegacyData`). */
export function importFileData(
  database: SqlDatabase,
  dataDir: string,
  now: () => number = Date.now,
  progress?: ImportProgress,
): Promise<ImportSummary> {
  return importLegacyData(database, fileSource(dataDir), { now, progress });
}

/** The summary as one line, for the log and the CLI. */
export function summarizeImport(s: ImportSummary, where: string, from = "the data folder"): string {
  if (s.steps === 0) return `${where}: nothing to import from ${from}`;
  const skipped = s.skippedBoards > 0 ? ` (${s.skippedBoards} boards already in the database, kept)` : "";
  return (
    `${where}: imported from ${from} ${s.boards} boards with ${s.ops} ops, ${s.users} users, ` +
    `${s.tokens} API tokens, ${s.notifications} notifications, ${s.limits} connection limits, ` +
    `${s.files} task files, ${s.tasks} tasks, ${s.seeds} seed marks${skipped}`
  );
}
