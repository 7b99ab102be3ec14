import type { Kysely } from "kysely";
import type { CommittedOp } from "@/lib/protocol/boards";
import {
  listLegacyBlobs,
  listLegacyBoards,
  readLegacyBlob,
  readLegacyBoard,
  readLegacyFeeds,
  readLegacyLimits,
  readLegacyTokens,
  readLegacyUsers,
  type LegacyBoardFile,
} from "./legacy-files";
import type { SqlDatabase } from "./open";
import type { Database } from "./schema";
import { writeTransaction } from "./transaction";

/**
 * The import of a data folder written by the previous version's JSON-file stores (read by `legacy-files.ts`) into
 * the SQL system of record. Each kind (users, tokens, notifications, limits, task files) is one transaction,
 * each board is one transaction, and each transaction records in `settings` that it ran (`import.files.<what>`),
 * so that a second run, or a restart, imports nothing twice. The files are left in place.
 */
export interface ImportSummary {
  users: number;
  tokens: number;
  notifications: number;
  limits: number;
  files: number;
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

async function isMarked(database: SqlDatabase, what: string): Promise<boolean> {
  const row = await database.db
    .selectFrom("settings")
    .select("name")
    .where("name", "=", MARK + what)
    .executeTakeFirst();
  return row !== undefined;
}

async function mark(tx: Tx, what: string, items: number, now: number): Promise<void> {
  await tx
    .insertInto("settings")
    .values({ name: MARK + what, value: JSON.stringify({ at: now, items }) })
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

/** One step: skipped when already marked, else `run` and the mark in one transaction. */
async function step(
  database: SqlDatabase,
  summary: ImportSummary,
  what: string,
  run: (tx: Tx) => Promise<number>,
  now: number,
): Promise<void> {
  if (await isMarked(database, what)) return;
  const done = await writeTransaction(database, async (tx) => {
    // Another process (the CLI beside a server) may have imported it meanwhile.
    const marked = await tx
      .selectFrom("settings")
      .select("name")
      .where("name", "=", MARK + what)
      .executeTakeFirst();
    if (marked) return false;
    await mark(tx, what, await run(tx), now);
    return true;
  });
  if (done) summary.steps++;
}

async function importBoard(
  tx: Tx,
  file: LegacyBoardFile,
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

/**
 * Imports what the previous version's file stores left in `dataDir` and this database has not imported yet.
 * Idempotent: run it any number of times; only the first run that finds a file imports it.
 */
export async function importFileData(
  database: SqlDatabase,
  dataDir: string,
  now: () => number = Date.now,
): Promise<ImportSummary> {
  const summary: ImportSummary = {
    users: 0,
    tokens: 0,
    notifications: 0,
    limits: 0,
    files: 0,
    boards: 0,
    ops: 0,
    skippedBoards: 0,
    steps: 0,
  };

  const users = await readLegacyUsers(dataDir);
  if (users)
    await step(
      database,
      summary,
      "users",
      async (tx) => {
        const rows = Object.values(users.users ?? {}).map((u) => ({
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
        summary.users = rows.length;
        return rows.length;
      },
      now(),
    );

  const tokens = await readLegacyTokens(dataDir);
  if (tokens)
    await step(
      database,
      summary,
      "tokens",
      async (tx) => {
        // An expired record is never answered again: it is not worth carrying over.
        const rows = Object.values(tokens.tokens ?? {})
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
        summary.tokens = rows.length;
        return rows.length;
      },
      now(),
    );

  const feeds = await readLegacyFeeds(dataDir);
  if (feeds)
    await step(
      database,
      summary,
      "notifications",
      async (tx) => {
        let n = 0;
        for (const [user, feed] of Object.entries(feeds.feeds ?? {})) {
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
        summary.notifications = n;
        return n;
      },
      now(),
    );

  const limits = await readLegacyLimits(dataDir);
  if (limits)
    await step(
      database,
      summary,
      "limits",
      async (tx) => {
        let n = 0;
        if (typeof limits.default === "number") {
          const value = String(limits.default);
          await tx
            .insertInto("settings")
            .values({ name: "connections.default", value })
            .onConflict((oc) => oc.column("name").doUpdateSet({ value }))
            .execute();
          n++;
        }
        for (const [user_name, max_connections] of Object.entries(limits.users ?? {})) {
          if (typeof max_connections !== "number") continue;
          await tx
            .insertInto("connection_limits")
            .values({ user_name, max_connections })
            .onConflict((oc) => oc.column("user_name").doUpdateSet({ max_connections }))
            .execute();
          n++;
        }
        summary.limits = n;
        return n;
      },
      now(),
    );

  const blobNames = await listLegacyBlobs(dataDir);
  if (blobNames.length > 0)
    await step(
      database,
      summary,
      "files",
      async (tx) => {
        let n = 0;
        for (const key of blobNames) {
          const blob = await readLegacyBlob(dataDir, key);
          if (!blob || blob.expiresAt <= now()) continue;
          await tx
            .insertInto("task_files")
            .values({
              key,
              bytes: blob.data.length,
              data: blob.data,
              created_at: now(),
              expires_at: Math.floor(blob.expiresAt),
            })
            .onConflict((oc) => oc.column("key").doNothing())
            .execute();
          n++;
        }
        summary.files = n;
        return n;
      },
      now(),
    );

  // One board at a time: a board file can be tens of megabytes.
  for (const name of await listLegacyBoards(dataDir)) {
    const file = await readLegacyBoard(dataDir, name);
    if (!file) continue;
    await step(
      database,
      summary,
      `board:${file.doc.id}`,
      (tx) => importBoard(tx, file, summary, now()),
      now(),
    );
  }
  return summary;
}

/** The summary as one line, for the log and the CLI. */
export function summarizeImport(s: ImportSummary, where: string): string {
  if (s.steps === 0) return `${where}: nothing to import from the data folder`;
  const skipped = s.skippedBoards > 0 ? ` (${s.skippedBoards} boards already in the database, kept)` : "";
  return (
    `${where}: imported from the data folder ${s.boards} boards with ${s.ops} ops, ${s.users} users, ` +
    `${s.tokens} API tokens, ${s.notifications} notifications, ${s.limits} connection limits, ` +
    `${s.files} task files${skipped}`
  );
}
