import { request } from "node:http";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A real HTTP request from a chosen local address: any 127.x.y.z is loopback on Linux, so tests can be two clients
 * at two addresses. (fetch cannot bind its socket's local address.)
 */
export function httpFrom(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? "GET",
        headers: opts.headers,
        localAddress: opts.localAddress,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

export type SignInResult = { kind: "ok" } | { kind: "refused" } | { kind: "throttled"; retryAfterS: number };

/** The browser's sign-in, as next-auth's client does it: a CSRF token first, then the credentials callback. */
export async function signInOverHttp(
  base: string,
  username: string,
  password: string,
  opts: { localAddress?: string; headers?: Record<string, string> } = {},
): Promise<SignInResult> {
  const csrf = await httpFrom(`${base}/api/auth/csrf`, opts);
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const cookie = ([] as string[])
    .concat(csrf.headers["set-cookie"] ?? [])
    .map((c) => c.split(";")[0])
    .join("; ");
  const body = new URLSearchParams({ username, password, csrfToken, json: "true" }).toString();
  const res = await httpFrom(`${base}/api/auth/callback/credentials`, {
    ...opts,
    method: "POST",
    body,
    headers: { ...opts.headers, cookie, "content-type": "application/x-www-form-urlencoded" },
  });
  const setCookie = ([] as string[]).concat(res.headers["set-cookie"] ?? []).join("; ");
  if (/session-token=[^;]/.test(setCookie)) return { kind: "ok" };
  const target = (JSON.parse(res.body) as { url?: string }).url ?? "";
  const error = new URL(target, base).searchParams.get("error") ?? "";
  const m = /^RATE_LIMITED:(\d+)$/.exec(error);
  return m ? { kind: "throttled", retryAfterS: Number(m[1]) } : { kind: "refused" };
}
