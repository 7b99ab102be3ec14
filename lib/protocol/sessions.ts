import { z } from "zod";
import { clientEvent } from "./define";

/** `GET /api/sessions`: the signed-in user's connections on every instance, oldest first. */
export interface SessionsResponse {
  ok: true;
  /** The user's connection limit, and how many of it are in use. */
  limit: number;
  active: number;
  sessions: SessionSummary[];
}

export interface SessionSummary {
  connectionId: string;
  instanceId: string;
  /** `websocket` or `polling`. */
  transport: string;
  /** Browser and system in words, from the user agent, e.g. "Chrome 156 on Linux". */
  browser: string;
  userAgent: string;
  ip: string;
  /** `session`: a signed-in browser; `token`: a script with an API token. */
  via: "session" | "token";
  /** Epoch ms. */
  connectedAt: number;
  /** The page the session has open, as its tab last said (`session:place`); absent when it has not said. */
  page?: SessionPlace;
  /** Epoch ms of the session's last event, on its instance's clock; absent for a session that has sent none. */
  lastActiveAt?: number;
  /** The id its browser keeps for all its tabs (`session:place`): this browser's other tabs have the same. */
  browserId?: string;
}

export interface SessionPlace {
  /** An in-app path, e.g. `/boards/abc`. */
  path: string;
  /** The page's title as its tab shows it, e.g. the board's title. */
  title: string;
}

/** `session:place`: a tab says which page it has open, so that the user's sessions list can tell tabs apart. */
export const sessionPlacePayload = z.strictObject({
  path: z
    .string()
    .max(300)
    .regex(/^\/[^\s]*$/, { error: "an in-app path" }),
  title: z.string().max(160),
  browserId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "not a browser id" }),
});

export const sessionClientEvents = {
  "session:place": clientEvent<object>()(sessionPlacePayload),
};

/** `GET /api/admin/limits` and the answer to every change. */
export interface LimitsResponse {
  ok: true;
  default: number;
  defaultSource: "config" | "runtime";
  configDefault: number;
  users: Record<string, number>;
}
