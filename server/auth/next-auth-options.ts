import type { AuthOptions } from "next-auth";
import CredentialsImport from "next-auth/providers/credentials";
import { z } from "zod";
import type { Logger } from "../logging/logger";
import type { AuditLog, AuditRecord } from "../audit/audit-log";
import type { OidcConfig } from "../config/config";
import { FailureAuditGate } from "./failure-audit";
import { cjsDefault } from "./interop";
import { OIDC_PROVIDER_ID, oidcProvider, signInWithOidc } from "./oidc";
import { dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from "./passwords";
import { signInThrottledError, type SignInThrottle } from "./throttle";
import { epochOf, type Role, type UserStore } from "./user-store";

const Credentials = cjsDefault(CredentialsImport);

const credentialsSchema = z.object({
  username: z.string().trim().toLowerCase().min(1).max(64),
  password: z.string().min(1).max(1024),
});

export interface AuthOptionsDeps {
  users: UserStore;
  secret: string;
  logger: Logger;
  /** Session lifetime; the socket is closed when it ends. */
  sessionMaxAgeSeconds?: number;
  /** Refuses a sign-in attempt before checking the password, e.g. when an address tries too often. */
  throttle?: SignInThrottle;
  /** The client address of the request whose headers these are (set by the custom server, never by a header). */
  clientIp?: (headers: unknown) => string | undefined;
  /** The auth request being handled, for callbacks that get no request (OpenID Connect). */
  currentRequest?: () => AuthRequestContext | undefined;
  /** Sign-ins, successful or not, are appended here (failures at most once per account, address and window). */
  audit: AuditLog;
  /** The window of `FailureAuditGate`; default one hour. */
  failureAuditWindowS?: number;
  /** Local passwords; default on. */
  passwords?: boolean;
  /** The OpenID Connect provider, when configured. */
  oidc?: OidcConfig;
  /** Where the sign-in page is, for the redirects of refused SSO sign-ins. */
  publicUrl?: string;
  /** A sign-in changed the user's role (from the provider's groups). */
  onRoleChanged?(name: string): void;
}

/** What the custom server knows of the auth request being handled. */
export interface AuthRequestContext {
  ip: string;
  /** The browser brought next-auth's OAuth state cookie: it started a sign-in with the provider here. */
  stateCookie: boolean;
}

export function createAuthOptions(deps: AuthOptionsDeps): AuthOptions {
  const log = deps.logger.child({ component: "auth" });
  // An audit write that fails must not turn a sign-in into an error: it is logged, and the sign-in goes on.
  const audit = (record: AuditRecord) =>
    deps.audit.append(record).catch((err: unknown) => log.warn({ err }, "audit entry not written"));
  // Anyone can send failures without limit: they are written at most once per (account, address) and window.
  const failures = new FailureAuditGate((deps.failureAuditWindowS ?? 3600) * 1000);
  const auditFailure = (record: AuditRecord & { ip: string }) => {
    const admitted = failures.admit(record.actor ?? "", record.ip);
    if (!admitted) return Promise.resolve();
    const details =
      admitted.suppressed > 0 ? { ...record.details, suppressed: admitted.suppressed } : record.details;
    return audit({ ...record, outcome: "failure", details });
  };
  const signInAudit = (actor: string | null, method: "password" | "oidc", ip: string) => ({
    actor,
    action: "signin" as const,
    method,
    ip,
    target: actor ? { kind: "user" as const, id: actor } : undefined,
  });
  const oidc = deps.oidc;
  const providers: AuthOptions["providers"] = [];
  if (deps.passwords ?? true) providers.push(credentialsProvider());
  if (oidc) providers.push(oidcProvider(oidc));
  return {
    secret: deps.secret,
    session: { strategy: "jwt", maxAge: deps.sessionMaxAgeSeconds ?? 12 * 3600 },
    pages: { signIn: "/signin", error: "/signin" },
    providers,
    callbacks: {
      async signIn({ user, account, profile }) {
        if (account?.provider !== OIDC_PROVIDER_ID || !oidc) return true;
        const ip = deps.currentRequest?.()?.ip ?? "unknown";
        const outcome = await signInWithOidc(
          { config: oidc, users: deps.users, logger: log, onRoleChanged: deps.onRoleChanged },
          (profile ?? {}) as Record<string, unknown>,
          { ip, method: "oidc" },
        ).catch((err: unknown) => {
          log.error({ err }, "single sign-on failed: the user store could not be reached");
          return { ok: false as const, error: "OidcUnavailable" as const, actor: null };
        });
        if (!outcome.ok) {
          await auditFailure({
            ...signInAudit(outcome.actor, "oidc", ip),
            details: { error: outcome.error },
          });
          return `${deps.publicUrl ?? ""}/signin?error=${outcome.error}`;
        }
        // next-auth hands this same object to the jwt callback below.
        Object.assign(user, outcome.user);
        log.info({ user: outcome.user.name, via: "oidc" }, "signed in");
        await audit(signInAudit(outcome.user.name, "oidc", ip));
        return true;
      },
      jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.name = user.name;
          // Only for the page shell (which links to /admin); the server reads the role from the store.
          token.role = (user as { role?: Role }).role ?? "user";
          token.ep = (user as { epoch?: number }).epoch ?? 0;
        }
        return token;
      },
      session({ session, token }) {
        session.user = { name: token.sub ?? "", role: token.role === "admin" ? "admin" : "user" };
        return session;
      },
    },
    logger: {
      error: (code, meta) => {
        log.error(
          { code, meta: meta instanceof Error ? meta.message : errorMessage(meta) },
          "next-auth error",
        );
        // The provider's answer could not be used (wrong client secret, a refused code): a failed sign-in, when a
        // browser of ours started it. Without the state cookie nobody signed in here: any GET of the callback URL
        // gets this far, and is not worth a database write.
        const request = deps.currentRequest?.();
        if (code === "OAUTH_CALLBACK_ERROR" && request?.stateCookie)
          void auditFailure({ ...signInAudit(null, "oidc", request.ip), details: { code } });
      },
      warn: (code) => log.warn({ code }, "next-auth warning"),
      debug: () => {},
    },
  };

  function credentialsProvider() {
    return Credentials({
      name: "Password",
      credentials: {
        username: { label: "User name", type: "text" },
        password: { label: "Password", type: "password" },
      },
      async authorize(raw, req) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        const { username, password } = parsed.data;
        const ip = deps.clientIp?.(req?.headers) ?? "unknown";
        const check = async () => {
          const user = await deps.users.get(username);
          // Verify against a dummy hash for unknown users so response time does not reveal which names exist.
          const valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
          return user && valid ? user : undefined;
        };
        const outcome = deps.throttle
          ? await deps.throttle.attempt(username, ip, check)
          : await check().then((u) => (u ? { ok: true as const, value: u } : { ok: false as const }));
        if (!outcome.ok) {
          if ("retryAfterS" in outcome) {
            log.warn({ user: username, ip }, "sign-in throttled");
            await auditFailure({ ...signInAudit(username, "password", ip), details: { throttled: true } });
            // next-auth hands the message to the sign-in page as `error`.
            throw signInThrottledError(outcome.retryAfterS);
          }
          log.info({ user: username }, "sign-in refused");
          await auditFailure(signInAudit(username, "password", ip));
          return null;
        }
        const user = outcome.value;
        log.info({ user: username }, "signed in");
        await audit(signInAudit(user.name, "password", ip));
        if (needsRehash(user.passwordHash)) {
          // The password is known right now: re-hash it with today's parameters. A failure costs nothing but
          // another try at the next sign-in.
          try {
            const upgraded = await deps.users.upgradePasswordHash(
              user.name,
              user.passwordHash,
              await hashPassword(password),
            );
            if (upgraded) log.info({ user: username }, "password hash upgraded");
          } catch (err) {
            log.warn({ err, user: username }, "password hash not upgraded");
          }
        }
        return { id: user.name, name: user.name, role: user.role, epoch: epochOf(user) };
      },
    });
  }
}

function errorMessage(meta: unknown): string | undefined {
  const inner = (meta as { error?: unknown } | null)?.error;
  return inner instanceof Error ? inner.message : undefined;
}
