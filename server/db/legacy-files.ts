import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { BoardDoc } from "@/lib/boards/types";
import type { CommittedOp } from "@/lib/protocol/boards";
import type { NotificationItem } from "@/lib/protocol/notifications";
import type { TokenRecord } from "../auth/token-store";
import type { UserRecord } from "../auth/user-store";
import { checkKey } from "../tasks/blobs";
import type { TaskRecord } from "../tasks/records.sql";

/**
 * The data folder of the previous version, which kept its system of record in JSON files: what `import-files.ts`
 * reads to bring it into the database. Read only; nothing writes these files any more.
 *
 * - `users.json`: `{ users: { [name]: UserRecord } }`
 * - `tokens.json`: `{ tokens: { [id]: TokenRecord } }`
 * - `notifications.json`: `{ feeds: { [user]: NotificationItem[] } }`, each feed newest first
 * - `limits.json`: `{ default?: number, users: { [user]: number } }`
 * - `boards/<id>.json`: a `LegacyBoardFile`, the board and its most recent ops
 * - `tasks.json`: `{ tasks: TaskRecord[] }`, the in-process task queue's records and requests
 * - `seed.json`: `{ [name]: id }`, what was seeded once (the welcome board)
 * - `blobs/<key>`: a task file, `PBBLOB1\n`, its expiry (ms since the epoch, a big-endian double), then its bytes
 */
/** A JSON file's content, or undefined when there is no such file. */
async function readJsonFile<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
}

export interface LegacyBoardFile {
  version: 1;
  doc: BoardDoc;
  /** The last 1,000 committed ops, oldest first. */
  log: CommittedOp[];
  /** The last 5,000 opIds with their entries, oldest first: the dedupe, which reaches further back than `log`. */
  opIds: [string, CommittedOp][];
}

export interface LegacyUsersFile {
  users?: Record<string, UserRecord>;
}

export interface LegacyTokensFile {
  tokens?: Record<string, TokenRecord>;
}

export interface LegacyFeedsFile {
  feeds?: Record<string, NotificationItem[]>;
}

export interface LegacyLimitsFile {
  default?: number;
  users?: Record<string, number>;
}

export const readLegacyUsers = (dataDir: string) =>
  readJsonFile<LegacyUsersFile>(join(dataDir, "users.json"));
export const readLegacyTokens = (dataDir: string) =>
  readJsonFile<LegacyTokensFile>(join(dataDir, "tokens.json"));
export const readLegacyFeeds = (dataDir: string) =>
  readJsonFile<LegacyFeedsFile>(join(dataDir, "notifications.json"));
export const readLegacyLimits = (dataDir: string) =>
  readJsonFile<LegacyLimitsFile>(join(dataDir, "limits.json"));

/** The in-process task queue's records, each with its request; undefined when the file is not there. */
export async function readLegacyTasks(dataDir: string): Promise<TaskRecord[] | undefined> {
  const file = await readJsonFile<{ tasks?: TaskRecord[] }>(join(dataDir, "tasks.json"));
  return file?.tasks?.filter((t) => t?.task?.id && t.request);
}

/** What was seeded once, name and id; undefined when the file is not there. */
export async function readLegacySeeds(dataDir: string): Promise<[string, string][] | undefined> {
  const file = await readJsonFile<Record<string, string>>(join(dataDir, "seed.json"));
  return file && Object.entries(file).map(([name, id]): [string, string] => [name, String(id)]);
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** The board files in the folder, by file name. */
export async function listLegacyBoards(dataDir: string): Promise<string[]> {
  return (await listDir(join(dataDir, "boards"))).filter((n) => n.endsWith(".json"));
}

/** One board file, or undefined when it is gone or not of the known version. */
export async function readLegacyBoard(dataDir: string, name: string): Promise<LegacyBoardFile | undefined> {
  const file = await readJsonFile<LegacyBoardFile>(join(dataDir, "boards", name));
  return file?.version === 1 ? file : undefined;
}

/** The keys of the task files in the folder: plain names only, without the temporary files of unfinished writes. */
export async function listLegacyBlobs(dataDir: string): Promise<string[]> {
  return (await listDir(join(dataDir, "blobs"))).filter((name) => {
    if (name.endsWith(".tmp")) return false;
    try {
      checkKey(name);
      return true;
    } catch {
      return false;
    }
  });
}

export const LEGACY_BLOB_MAGIC = Buffer.from("PBBLOB1\n");
const HEADER_BYTES = LEGACY_BLOB_MAGIC.length + 8;

/** A task file's expiry and bytes; undefined when the file is not one. */
export function decodeLegacyBlob(file: Buffer): { expiresAt: number; data: Buffer } | undefined {
  if (file.length < HEADER_BYTES || !file.subarray(0, LEGACY_BLOB_MAGIC.length).equals(LEGACY_BLOB_MAGIC))
    return undefined;
  return { expiresAt: file.readDoubleBE(LEGACY_BLOB_MAGIC.length), data: file.subarray(HEADER_BYTES) };
}

export async function readLegacyBlob(
  dataDir: string,
  key: string,
): Promise<{ expiresAt: number; data: Buffer } | undefined> {
  return decodeLegacyBlob(await readFile(join(dataDir, "blobs", checkKey(key))));
}
