import { sql } from "kysely";
import type { SqlDatabase } from "../db/open";
import type { DependencyStatus } from "./types";

/** `up` when the database answers a trivial query within `timeoutMs`, else `down`; `disabled` without one. */
export async function databaseStatus(
  database: SqlDatabase | undefined,
  timeoutMs: number,
): Promise<DependencyStatus> {
  if (!database) return "disabled";
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      sql`select 1`.execute(database.db),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      }),
    ]);
    return "up";
  } catch {
    return "down";
  } finally {
    clearTimeout(timer);
  }
}
