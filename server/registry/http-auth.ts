import type { IncomingMessage } from "node:http";
import { AppError } from "@/lib/protocol/errors";
import type { Authenticator } from "../auth/authenticator";
import type { Principal } from "../auth/principal";

/** The caller, by bearer token or session cookie; 401 otherwise. */
export async function requirePrincipal(
  authenticator: Authenticator,
  req: IncomingMessage,
  action: string,
): Promise<Principal> {
  const auth = await authenticator.fromHeaders(req.headers);
  if (!auth.ok) {
    const why = auth.reason === "expired" ? "your session has expired" : "sign in";
    throw new AppError("UNAUTHORIZED", `${why} to ${action}`, { reason: auth.reason });
  }
  return auth.principal;
}

/**
 * A change made with a cookie must come from our own pages. Browsers send Origin on every non-GET request, and
 * SameSite cookies already stop most cross-site requests; this closes the rest.
 */
export function requireSameOrigin(req: IncomingMessage, allowedOrigins: string[]): void {
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedOrigins.includes(origin))
    throw new AppError("FORBIDDEN", `origin ${origin.slice(0, 100)} is not allowed`);
}
