import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface Session {
    user: { name: string; role: "user" | "admin" };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    role?: "user" | "admin";
    /** The user's credential generation at sign-in; the session ends when it moves. */
    ep?: number;
  }
}
