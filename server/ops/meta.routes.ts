import { PROTOCOL_VERSION } from "@/lib/protocol/version";
import { DEMO_PASSWORD, DEMO_USERS } from "../auth/demo-users";
import type { UserStore } from "../auth/user-store";
import { sendJson } from "../http/respond";
import type { Router } from "../http/router";

/**
 * Public facts the sign-in page needs before anyone is signed in. The demo password is published only outside
 * production: a production instance that seeds demo users (`SEED_DEMO_USERS=true`, for a trial or the e2e
 * suite) lists them, and the README says their password.
 */
export function registerMetaRoutes(
  router: Router,
  deps: { mode: "embedded" | "redis"; demoUsers: boolean; production: boolean; users: UserStore },
): void {
  router.on("GET", "/api/meta", async ({ res }) => {
    const demo = deps.demoUsers
      ? { users: DEMO_USERS, password: deps.production ? null : DEMO_PASSWORD }
      : null;
    sendJson(res, 200, {
      mode: deps.mode,
      protocol: PROTOCOL_VERSION,
      demo,
      // Tells the sign-in page to explain how to create the first admin instead of showing a form nobody can use.
      noUsers: (await deps.users.list().catch(() => [1])).length === 0,
    });
  });
}
