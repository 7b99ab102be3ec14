import type { AuthOptions } from "next-auth";
import CredentialsImport from "next-auth/providers/credentials";
import { z } from "zod";
import type { Logger } from "../logging/logger";
import { cjsDefault } from "./interop";
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
}

export function createAuthOptions(deps: AuthOptionsDeps): AuthOptions {
  const log = deps.logger.child({ component: "auth" });
  return {
    secret: deps.secret,
    session: { strategy: "jwt", maxAge: deps.sessionMaxAgeSeconds ?? 12 * 3600 },
    pages: { signIn: "/signin", error: "/signin" },
    providers: [
      Credentials({
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
              // next-auth hands the message to the sign-in page as `error`.
              throw signInThrottledError(outcome.retryAfterS);
            }
            log.info({ user: username }, "sign-in refused");
            return null;
          }
          const user = outcome.value;
          log.info({ user: username }, "signed in");
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
      }),
    ],
    callbacks: {
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
      error: (code, meta) =>
        log.error({ code, meta: meta instanceof Error ? meta.message : undefined }, "next-auth error"),
      warn: (code) => log.warn({ code }, "next-auth warning"),
      debug: () => {},
    },
  };
}
