import { describe, expect, it } from "vitest";
import { connectOriginsFromEnv, pageCsp, securityHeaders } from "./security-headers";

const directive = (csp: string, name: string) =>
  csp
    .split(";")
    .map((d) => d.trim())
    .find((d) => d.startsWith(`${name} `));

describe("security headers", () => {
  it("pages run only scripts with this response's nonce, never inline ones", () => {
    const csp = pageCsp({ nonce: "abc123==", dev: false, connectOrigins: ["https://a.example"] });
    expect(directive(csp, "script-src")).toBe("script-src 'self' 'nonce-abc123==' 'strict-dynamic'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(csp).not.toContain("'unsafe-eval'");
    expect(directive(csp, "frame-ancestors")).toBe("frame-ancestors 'none'");
  });

  it("connections go only to this origin and ALLOWED_ORIGINS (with their socket schemes)", () => {
    const csp = pageCsp({
      nonce: "n",
      dev: false,
      connectOrigins: ["https://a.example", "http://b.example:3000", "not a url", "javascript:x"],
    });
    expect(directive(csp, "connect-src")).toBe(
      "connect-src 'self' https://a.example wss://a.example http://b.example:3000 ws://b.example:3000",
    );
    expect(connectOriginsFromEnv({ ALLOWED_ORIGINS: "https://a.example, https://c.example" })).toEqual([
      "https://a.example",
      "https://c.example",
    ]);
    expect(connectOriginsFromEnv({ NEXTAUTH_URL: "https://d.example/x" })).toEqual(["https://d.example/x"]);
  });

  it("other responses allow no inline script, and HSTS is sent only over HTTPS", () => {
    const plain = securityHeaders({ dev: false, https: false });
    expect(directive(plain["Content-Security-Policy"]!, "script-src")).toBe("script-src 'self'");
    expect(directive(plain["Content-Security-Policy"]!, "connect-src")).toBe("connect-src 'self'");
    expect(plain["Strict-Transport-Security"]).toBeUndefined();
    expect(securityHeaders({ dev: false, https: true })["Strict-Transport-Security"]).toBe(
      "max-age=31536000; includeSubDomains",
    );
  });
});
