import type { IncomingHttpHeaders } from "node:http";
import { parse as parseCookies } from "cookie";
import { getToken } from "next-auth/jwt";
import { roleSchema, userNameSchema } from "./user-store";
import { verifyApiToken } from "./api-tokens";
import type { AuthResult } from "./principal";

/**
 * Turns a credential into a principal: an API token (bearer or handshake `auth.token`) or the next-auth session
 * cookie. One place, so the socket handshake and the HTTP API agree on who is who.
 */
export class Authenticator {
  private readonly secureCookie: boolean;

  constructor(
    private readonly secret: string,
    publicUrl: string,
  ) {
    this.secureCookie = publicUrl.startsWith("https://");
  }

  async fromToken(token: string): Promise<AuthResult> {
    if (typeof token !== "string" || token.length === 0) return { ok: false, reason: "missing" };
    if (token.length > 4096) return { ok: false, reason: "invalid" };
    const check = await verifyApiToken(this.secret, token);
    if (!check.ok) return check;
    const { sub, role, exp } = check.claims;
    return { ok: true, principal: { name: sub, role, expiresAt: exp * 1000, via: "token" } };
  }

  async fromCookies(headers: IncomingHttpHeaders): Promise<AuthResult> {
    const header = headers.cookie;
    if (!header) return { ok: false, reason: "missing" };
    // getToken reads req.cookies, never the raw header, and reassembles chunked session cookies itself.
    const cookies = parseCookies(header) as Record<string, string>;
    const jwt = await getToken({
      req: { headers: headers as Record<string, string>, cookies } as never,
      secret: this.secret,
      secureCookie: this.secureCookie,
    });
    if (!jwt) {
      const hasSession = Object.keys(cookies).some((k) => k.includes("next-auth.session-token"));
      return { ok: false, reason: hasSession ? "invalid" : "missing" };
    }
    const name = userNameSchema.safeParse(jwt.sub);
    const role = roleSchema.safeParse(jwt.role);
    if (!name.success || !role.success || typeof jwt.exp !== "number")
      return { ok: false, reason: "invalid" };
    return {
      ok: true,
      principal: { name: name.data, role: role.data, expiresAt: jwt.exp * 1000, via: "session" },
    };
  }

  /** Bearer token when present (it is explicit), else the session cookie. */
  async fromHeaders(headers: IncomingHttpHeaders): Promise<AuthResult> {
    const auth = headers.authorization;
    if (auth) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      return m ? this.fromToken(m[1]!) : { ok: false, reason: "invalid" };
    }
    return this.fromCookies(headers);
  }
}
