import type { Logger } from "../logging/logger";
import { hashPassword } from "./passwords";
import { UserExistsError, type Role, type UserStore } from "./user-store";

export const DEMO_PASSWORD = "pulseboard";

export const DEMO_USERS: { name: string; role: Role }[] = [
  { name: "alice", role: "user" },
  { name: "bob", role: "user" },
  { name: "admin", role: "admin" },
];

/** Creates the demo users that do not exist yet; never touches an existing user's password. */
export async function seedDemoUsers(users: UserStore, logger: Logger): Promise<void> {
  for (const demo of DEMO_USERS) {
    if (await users.get(demo.name)) continue;
    try {
      await users.create({ ...demo, passwordHash: await hashPassword(DEMO_PASSWORD), createdAt: Date.now() });
      logger.info({ user: demo.name }, "created demo user");
    } catch (err) {
      if (!(err instanceof UserExistsError)) throw err;
    }
  }
}
