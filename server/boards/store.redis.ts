import { LIMITS } from "@/lib/boards/limits";
import type { BoardDoc } from "@/lib/boards/types";
import { AppError } from "@/lib/protocol/errors";
import type { CommittedOp } from "@/lib/protocol/boards";
import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import { script, ScriptedRedisStore } from "../redis/scripts";
import type { BoardStore, CommitResult } from "./store";

/** Applied opIds are remembered for a day: far longer than any client keeps an op to resend. */
const OPID_TTL_S = 24 * 3600;

const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'rev', ARGV[1], 'json', ARGV[2])
return 1`;

// KEYS: doc, log, then one opId key per entry. ARGV: expectedRev, docJson, logLength, opIdTtl, then each entry's
// rev and json. Dedupe, revision check, doc, log and opIds in one step: a crash or an outage leaves all of it or
// none. A commit whose entries repeat an opId, or whose revisions do not follow expectedRev one by one, is an
// error and changes nothing: an opId is applied once, and revisions have no gaps.
const COMMIT = `
local n = #KEYS - 2
local seen = {}
for i = 3, #KEYS do
  if seen[KEYS[i]] then return redis.error_reply('ERR_COMMIT_REPEATED_OPID a commit carries one opId twice') end
  seen[KEYS[i]] = true
  if tonumber(ARGV[3 + 2 * (i - 2)]) ~= tonumber(ARGV[1]) + i - 2 then
    return redis.error_reply('ERR_COMMIT_REVISIONS the revisions of a commit must follow the board revision')
  end
end
for i = 3, #KEYS do
  local dup = redis.call('GET', KEYS[i])
  if dup then return {'duplicate', dup} end
end
local cur = redis.call('HGET', KEYS[1], 'rev')
if not cur then return {'missing'} end
if cur ~= ARGV[1] then return {'stale', cur, redis.call('HGET', KEYS[1], 'json')} end
redis.call('HSET', KEYS[1], 'rev', ARGV[5 + 2 * (n - 1)], 'json', ARGV[2])
for i = 1, n do
  local rev, entry = ARGV[3 + 2 * i], ARGV[4 + 2 * i]
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], rev .. '-1', 'e', entry)
  redis.call('SET', KEYS[2 + i], entry, 'EX', ARGV[4])
end
return {'ok'}`;

const SCRIPTS = {
  pbBoardCreate: script<(doc: string, rev: string, json: string) => Promise<number>>(1, CREATE),
  // The number of keys varies with the entries: it is passed first on every call.
  pbBoardCommit: script<(numberOfKeys: number, ...keysAndArgs: string[]) => Promise<(string | undefined)[]>>(
    undefined,
    COMMIT,
  ),
};

/**
 * Redis mode. Per board, under one hash tag: `doc` (hash: rev, json), `log` (a stream whose entry ids are the
 * revisions, trimmed to about `LIMITS.logLength`), and one `op:<opId>` key per applied op. Run Redis with
 * append-only persistence so that acknowledged ops survive a Redis restart.
 */
export class RedisBoardStore extends ScriptedRedisStore<typeof SCRIPTS> implements BoardStore {
  constructor(redis: RedisClient, keys: RedisKeys) {
    super(redis, keys, SCRIPTS);
  }

  private k(boardId: string, kind: string): string {
    return this.keys.key(`b:${boardId}`, kind);
  }

  private userIndex(user: string): string {
    return this.keys.key(`u:${user}`, "boards");
  }

  async create(doc: BoardDoc): Promise<boolean> {
    const created = await this.scripts.pbBoardCreate(
      this.k(doc.id, "doc"),
      String(doc.rev),
      JSON.stringify(doc),
    );
    if (created === 1) await this.indexMember(doc.owner, doc.id, true);
    return created === 1;
  }

  async load(boardId: string): Promise<BoardDoc | undefined> {
    const json = await this.redis.hget(this.k(boardId, "doc"), "json");
    return json ? (JSON.parse(json) as BoardDoc) : undefined;
  }

  async commit(
    boardId: string,
    expectedRev: number,
    next: BoardDoc,
    entries: CommittedOp[],
  ): Promise<CommitResult> {
    const keys = [
      this.k(boardId, "doc"),
      this.k(boardId, "log"),
      ...entries.map((e) => this.k(boardId, `op:${e.opId}`)),
    ];
    const args = [String(expectedRev), JSON.stringify(next), String(LIMITS.logLength), String(OPID_TTL_S)];
    for (const e of entries) args.push(String(e.rev), JSON.stringify(e));
    const [status, value, json] = await this.scripts
      .pbBoardCommit(keys.length, ...keys, ...args)
      .catch((err: unknown) => {
        const message = err instanceof Error ? err.message : "";
        if (!message.startsWith("ERR_COMMIT_")) throw err;
        throw new AppError("INTERNAL", message.slice(message.indexOf(" ") + 1), { boardId });
      });
    switch (status) {
      case "ok":
        return { status: "ok" };
      case "duplicate":
        return { status: "duplicate", entry: JSON.parse(value!) as CommittedOp };
      case "stale":
        return { status: "stale", rev: Number(value), current: JSON.parse(json!) as BoardDoc };
      default:
        return { status: "missing" };
    }
  }

  async committed(boardId: string, opId: string): Promise<CommittedOp | undefined> {
    const raw = await this.redis.get(this.k(boardId, `op:${opId}`));
    return raw ? (JSON.parse(raw) as CommittedOp) : undefined;
  }

  async entriesSince(boardId: string, sinceRev: number, limit: number): Promise<CommittedOp[] | undefined> {
    const current = await this.redis.hget(this.k(boardId, "doc"), "rev");
    if (current === null) return undefined;
    if (sinceRev >= Number(current)) return [];
    const rows = await this.redis.xrange(this.k(boardId, "log"), `${sinceRev + 1}-0`, "+", "COUNT", limit);
    const entries = rows.map(([, fields]) => JSON.parse(fields[1]!) as CommittedOp);
    if (entries[0]?.rev !== sinceRev + 1) return undefined;
    return entries;
  }

  async delete(boardId: string): Promise<void> {
    await this.redis.del(this.k(boardId, "doc"), this.k(boardId, "log"));
  }

  async boardIdsOf(user: string): Promise<string[]> {
    return this.redis.smembers(this.userIndex(user));
  }

  async indexMember(user: string, boardId: string, member: boolean): Promise<void> {
    if (member) await this.redis.sadd(this.userIndex(user), boardId);
    else await this.redis.srem(this.userIndex(user), boardId);
  }

  async close(): Promise<void> {}
}
