import { SYSTEM_ACTOR } from "../audit/audit-log";
import { issueApiToken } from "../auth/api-tokens";
import type { TokenStore } from "../auth/token-store";
import { epochOf, UserExistsError, type Role, type UserStore } from "../auth/user-store";

/**
 * The stores of the instances a test file has running (in this process, or child processes whose data folder or
 * Redis the test knows). Credentials are checked against the stores (the user must exist, a token must have its
 * record), so the helpers that make credentials for tests (`tokenFor`, `sessionCookieFor`) record them in every
 * live store. Test-only state: each vitest file runs in its own module context.
 */
export interface TestStores {
  users: UserStore;
  tokens: TokenStore;
}

const live = new Set<TestStores>();

export function registerTestStores(stores: TestStores): () => void {
  live.add(stores);
  return () => live.delete(stores);
}

/**
 * Makes sure the user exists in every live store, created with `role` when missing (an existing user keeps the
 * role the store gives it: credentials no longer carry one). Returns the user's epoch.
 */
export async function ensureTestUser(name: string, role: Role): Promise<number> {
  let epoch = 0;
  for (const stores of live) {
    let user = await stores.users.get(name);
    if (!user) {
      try {
        await stores.users.create(
          { name, role, passwordHash: "test-no-password", createdAt: Date.now() },
          SYSTEM_ACTOR,
        );
      } catch (err) {
        if (!(err instanceof UserExistsError)) throw err;
      }
      user = await stores.users.get(name);
    }
    if (user) epoch = Math.max(epoch, epochOf(user));
  }
  return epoch;
}

/** Signs a token and records it in every live store. */
export async function issueTestToken(
  secret: string,
  name: string,
  role: Role,
  ttlSeconds: number,
): Promise<string> {
  const epoch = await ensureTestUser(name, role);
  const stores = [...live];
  if (stores.length === 0) {
    // Nothing running to accept it; sign it anyway (for tests of the signature itself).
    const { mintApiToken } = await import("../auth/api-tokens");
    return (await mintApiToken(secret, { name, epoch }, ttlSeconds)).token;
  }
  const first = await issueApiToken({
    secret,
    tokens: stores[0]!.tokens,
    user: { name, epoch },
    name: "test",
    ttlSeconds,
  });
  for (const s of stores.slice(1)) await s.tokens.create(first.record).catch(() => undefined);
  return first.token;
}
