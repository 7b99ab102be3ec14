import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { parse as parseCookies } from "cookie";
import { getToken } from "next-auth/jwt";
import { Lru } from "../util/lru";
import { verifyApiToken, type TokenClaims } from "./api-tokens";
import type { AuthResult, Principal } from "./principal";
import type { TokenRecord, TokenStore } from "./token-store";
import { epochOf, userNameSchema, type Role, type UserRecord, type UserStore } from "./user-store";

export interface AuthenticatorDeps {
  users: UserStore;
  tokens: TokenStore;
  /**
   * How long a user's role and a token's record are trusted once read (`AUTH_RECHECK_MS`): the most time a
   * demotion, a removal or a revocation made elsewhere takes to be seen here.
   */
  recheckMs: number;
  /** How often a token's last use is written, at most. */
  touchEveryMs?: number;
  now?: () => number;
}

interface Cached<T> {
  value: T | undefined;
  at: number;
}

function samePrincipal(a: Principal, b: Principal): boolean {
  return (
    a.name === b.name &&
    a.role === b.role &&
    a.expiresAt === b.expiresAt &&
    a.via === b.via &&
    a.tokenId === b.tokenId &&
    a.epoch === b.epoch &&
    a.issuedAt === b.issuedAt
  );
}

/** While the store cannot be reached, a read this recent still answers (a Redis outage must not lock everyone out). */
const STALE_OK_MS = 5 * 60_000;
const CACHE_ENTRIES = 10_000;

/**
 * Turns a credential into a principal: an API token (bearer or handshake `auth.token`) or the next-auth session
 * cookie. One place, so the socket handshake and the HTTP API agree on who is who. The signature proves who the
 * holder is; everything else comes from the stores, read at every use through a cache of at most `recheckMs`:
 * the role (a demoted admin is a user within seconds), whether the user still exists, whether the password or
 * role changed since the credential was issued (the user's epoch), and for tokens whether the record still
 * exists (revoked or not).
 */
export class Authenticator {
  private readonly secureCookie: boolean;
  private readonly now: () => number;
  private readonly users = new Lru<string, Cached<Pick<UserRecord, "role" | "epoch" | "createdAt">>>(
    CACHE_ENTRIES,
  );
  private readonly tokens = new Lru<string, Cached<TokenRecord>>(CACHE_ENTRIES);
  private readonly touched = new Lru<string, number>(CACHE_ENTRIES);
  /**
   * API tokens whose signature was checked, by a hash of the token (the token itself stays out of memory): a
   * signature, once good, stays good, so a script's many connections verify it once. Expiry, revocation and the
   * user are still checked at every use, below.
   */
  private readonly verified = new Lru<string, TokenClaims>(CACHE_ENTRIES);
  /**
   * The principal last given for each token: a new one equal to it is answered with this one, so that a token's
   * sockets share one object (and the credential sweep checks it once).
   */
  private readonly principals = new Lru<string, Principal>(CACHE_ENTRIES);
  /** Keyed by a request's headers object, so it lives exactly as long as the request. */
  private readonly perRequest = new WeakMap<IncomingHttpHeaders, Promise<AuthResult>>();

  constructor(
    private readonly secret: string,
    publicUrl: string,
    private readonly deps: AuthenticatorDeps,
  ) {
    this.secureCookie = publicUrl.startsWith("https://");
    this.now = deps.now ?? Date.now;
  }

  private async cached<T>(
    cache: Lru<string, Cached<T>>,
    key: string,
    read: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const hit = cache.get(key);
    const now = this.now();
    if (hit && now - hit.at < this.deps.recheckMs) return hit.value;
    try {
      const value = await read();
      cache.set(key, { value, at: now });
      return value;
    } catch (err) {
      if (hit && now - hit.at < STALE_OK_MS) return hit.value;
      throw err;
    }
  }

  private user(name: string) {
    return this.cached(this.users, name, async () => {
      const u = await this.deps.users.get(name);
      return u ? { role: u.role, epoch: epochOf(u), createdAt: u.createdAt } : undefined;
    });
  }

  private token(id: string) {
    return this.cached(this.tokens, id, () => this.deps.tokens.get(id));
  }

  /**
   * Reads, in one query per store, what the cache no longer holds fresh about these principals' users and tokens:
   * the credential sweep calls it before rechecking every socket, so that a sweep over thousands of sockets is two
   * reads, not one per credential. A failed read leaves the cache as it was (each recheck then reads on its own).
   */
  async prefetch(principals: Iterable<Pick<Principal, "name" | "via" | "tokenId">>): Promise<void> {
    const now = this.now();
    const stale = <T>(hit: Cached<T> | undefined) => !hit || now - hit.at >= this.deps.recheckMs;
    const names = new Set<string>();
    const ids = new Set<string>();
    for (const p of principals) {
      if (stale(this.users.get(p.name))) names.add(p.name);
      if (p.via === "token" && p.tokenId && stale(this.tokens.get(p.tokenId))) ids.add(p.tokenId);
    }
    const [users, tokens] = await Promise.all([
      names.size ? this.deps.users.getMany([...names]) : undefined,
      ids.size ? this.deps.tokens.getMany([...ids]) : undefined,
    ]);
    for (const name of names) {
      const u = users?.get(name);
      this.users.set(name, {
        value: u ? { role: u.role, epoch: epochOf(u), createdAt: u.createdAt } : undefined,
        at: now,
      });
    }
    for (const id of ids) this.tokens.set(id, { value: tokens?.get(id), at: now });
  }

  /** Forgets what was read about a user or a token, after a change made here (it then applies at once here). */
  forget(opts: { user?: string; tokenId?: string }): void {
    if (opts.user) this.users.delete(opts.user);
    if (opts.tokenId) this.tokens.delete(opts.tokenId);
  }

  /**
   * Checks a principal again against the stores, with the role as the store says now. Used at every privileged
   * step and by the sweep that closes the sockets of revoked credentials.
   */
  async recheck(p: Omit<Principal, "role"> & { role?: Role }): Promise<AuthResult> {
    if (p.expiresAt <= this.now()) return { ok: false, reason: "expired" };
    if (p.via === "token") {
      const record = p.tokenId ? await this.token(p.tokenId) : undefined;
      if (!record || record.owner !== p.name) return { ok: false, reason: "revoked" };
    }
    const user = await this.user(p.name);
    if (!user || user.epoch !== p.epoch || p.issuedAt < Math.floor(user.createdAt / 1000))
      return { ok: false, reason: "revoked" };
    return { ok: true, principal: { ...p, role: user.role } };
  }

  /** The user's role as the store says (cached for at most `recheckMs`); undefined for a removed user. */
  async roleOf(name: string): Promise<Role | undefined> {
    return (await this.user(name))?.role;
  }

  /**
   * What was last read of the user's role, without waiting: `null` for a removed user, undefined when never read
   * (or forgotten). For pushes, which cannot wait on the store; the sweep re-reads it every `recheckMs`.
   */
  knownRole(name: string): Role | null | undefined {
    const hit = this.users.get(name);
    if (!hit) return undefined;
    return hit.value ? hit.value.role : null;
  }

  async fromToken(token: string): Promise<AuthResult> {
    if (typeof token !== "string" || token.length === 0) return { ok: false, reason: "missing" };
    if (token.length > 4096) return { ok: false, reason: "invalid" };
    const key = createHash("sha256").update(token).digest("base64url");
    let claims = this.verified.get(key);
    if (!claims) {
      const check = await verifyApiToken(this.secret, token);
      if (!check.ok) return check;
      claims = check.claims;
      this.verified.set(key, claims);
    }
    const { sub, exp, jti, ep, iat } = claims;
    // Past its expiry the token is refused as the signature check would refuse it.
    if (exp * 1000 <= this.now()) return { ok: false, reason: "expired" };
    const result = await this.recheck({
      name: sub,
      expiresAt: exp * 1000,
      via: "token",
      tokenId: jti,
      epoch: ep,
      issuedAt: iat,
    });
    if (!result.ok) return result;
    this.touch(jti);
    const last = this.principals.get(key);
    if (last && samePrincipal(last, result.principal)) return { ok: true, principal: last };
    this.principals.set(key, result.principal);
    return result;
  }

  /** Records the token's last use, at most once per `touchEveryMs` per token and instance, without waiting. */
  private touch(id: string): void {
    const now = this.now();
    const last = this.touched.get(id);
    if (last !== undefined && now - last < (this.deps.touchEveryMs ?? 60_000)) return;
    this.touched.set(id, now);
    this.deps.tokens.touch(id, now).catch(() => this.touched.delete(id));
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
    const epoch = jwt.ep ?? 0;
    if (
      !name.success ||
      typeof jwt.exp !== "number" ||
      typeof jwt.iat !== "number" ||
      !Number.isSafeInteger(epoch)
    )
      return { ok: false, reason: "invalid" };
    return this.recheck({
      name: name.data,
      expiresAt: jwt.exp * 1000,
      via: "session",
      epoch,
      issuedAt: jwt.iat,
    });
  }

  /**
   * Bearer token when present (it is explicit), else the session cookie. One answer per request: the HTTP quota
   * guard and then the route both ask, and the second gets the first's answer rather than decoding again.
   */
  fromHeaders(headers: IncomingHttpHeaders): Promise<AuthResult> {
    let result = this.perRequest.get(headers);
    if (!result) {
      result = this.authenticateHeaders(headers);
      this.perRequest.set(headers, result);
    }
    return result;
  }

  private async authenticateHeaders(headers: IncomingHttpHeaders): Promise<AuthResult> {
    const auth = headers.authorization;
    if (auth) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      return m ? this.fromToken(m[1]!) : { ok: false, reason: "invalid" };
    }
    return this.fromCookies(headers);
  }
}
