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
  }
}
