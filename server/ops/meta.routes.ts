import { PROTOCOL_VERSION } from "@/lib/protocol/version";
import { DEMO_PASSWORD, DEMO_USERS } from "../auth/demo-users";
import { OIDC_PROVIDER_ID } from "../auth/oidc";
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
  deps: {
    mode: "embedded" | "redis";
    demoUsers: boolean;
    production: boolean;
    users: UserStore;
    /** How users sign in: the page shows the password form and the provider's button accordingly. */
    signIn?: { passwords: boolean; oidc?: { name: string } };
  },
): void {
  router.on("GET", "/api/meta", async ({ res }) => {
    const demo = deps.demoUsers
      ? { users: DEMO_USERS, password: deps.production ? null : DEMO_PASSWORD }
      : null;
    sendJson(res, 200, {
      mode: deps.mode,
      protocol: PROTOCOL_VERSION,
      demo,
      signIn: {
        passwords: deps.signIn?.passwords ?? true,
        oidc: deps.signIn?.oidc ? { id: OIDC_PROVIDER_ID, name: deps.signIn.oidc.name } : null,
      },
      // Tells the sign-in page to explain how to create the first admin instead of showing a form nobody can use.
      noUsers: (await deps.users.list().catch(() => [1])).length === 0,
    });
  });
}
