import { SYSTEM_ACTOR } from "../audit/audit-log";
import type { Logger } from "../logging/logger";
import { hashPassword } from "./passwords";
import { UserExistsError, type Role, type UserStore } from "./user-store";

export const DEMO_PASSWORD = "pulseboard";

export const DEMO_USERS: { name: string; role: Role }[] = [
  { name: "alice", role: "user" },
  { name: "bob", role: "user" },
  { name: "admin", role: "admin" },
];

/** The one line a production start with no users logs: how to create the first admin. */
export const FIRST_ADMIN_HINT =
  "no users yet; create the first admin with: npm run users -- add <name> --admin (or start with SEED_DEMO_USERS=true for the demo users)";

/**
 * At startup: seeds the demo users when asked (`SEED_DEMO_USERS=true`, the default only in development), and
 * otherwise, when the store has no user at all, tells the operator in one line how to create the first admin.
 */
export async function prepareUsers(users: UserStore, logger: Logger, seedDemo: boolean): Promise<void> {
  if (seedDemo) return seedDemoUsers(users, logger);
  if ((await users.list()).length === 0) logger.warn(FIRST_ADMIN_HINT);
}

/** Creates the demo users that do not exist yet; never touches an existing user's password. */
export async function seedDemoUsers(users: UserStore, logger: Logger): Promise<void> {
  for (const demo of DEMO_USERS) {
    if (await users.get(demo.name)) continue;
    try {
      await users.create(
        { ...demo, passwordHash: await hashPassword(DEMO_PASSWORD), createdAt: Date.now() },
        SYSTEM_ACTOR,
      );
      logger.info({ user: demo.name }, "created demo user");
    } catch (err) {
      if (!(err instanceof UserExistsError)) throw err;
    }
  }
}
