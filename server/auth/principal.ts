import type { Role } from "./user-store";

/** Who is acting, however they proved it. */
export interface Principal {
  name: string;
  role: Role;
  /** Epoch ms at which the credential stops being valid. */
  expiresAt: number;
  via: "session" | "token";
}

export type AuthResult =
  { ok: true; principal: Principal } | { ok: false; reason: "missing" | "invalid" | "expired" };
