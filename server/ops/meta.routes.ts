import { PROTOCOL_VERSION } from "@/lib/protocol/version";
import { DEMO_PASSWORD, DEMO_USERS } from "../auth/demo-users";
import { sendJson } from "../http/respond";
import type { Router } from "../http/router";

/** Public facts the sign-in page needs before anyone is signed in. */
export function registerMetaRoutes(
  router: Router,
  deps: { mode: "embedded" | "redis"; demoUsers: boolean },
): void {
  router.on("GET", "/api/meta", ({ res }) => {
    sendJson(res, 200, {
      mode: deps.mode,
      protocol: PROTOCOL_VERSION,
      demo: deps.demoUsers ? { users: DEMO_USERS, password: DEMO_PASSWORD } : null,
    });
  });
}
