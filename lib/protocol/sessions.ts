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
}

/** `GET /api/admin/limits` and the answer to every change. */
export interface LimitsResponse {
  ok: true;
  default: number;
  defaultSource: "config" | "runtime";
  configDefault: number;
  users: Record<string, number>;
}
