import { describe, expect, it } from "vitest";
import { ClientIpResolver, normalizeIp, parseProxyRange, type ProxyRange } from "./client-ip";

const ranges = (...raw: string[]) => raw.map((r) => parseProxyRange(r)!) as ProxyRange[];

describe("client IP", () => {
  it("parses addresses and CIDRs, IPv4 and IPv6, and refuses the rest", () => {
    expect(parseProxyRange("10.0.0.0/8")).toEqual({ address: "10.0.0.0", prefix: 8, family: "ipv4" });
    expect(parseProxyRange("::1")).toEqual({ address: "::1", prefix: 128, family: "ipv6" });
    expect(parseProxyRange("fd00::/8")).toEqual({ address: "fd00::", prefix: 8, family: "ipv6" });
    for (const bad of ["10.0.0.0/33", "10.0.0/8", "host.example", "1.2.3.4/8/1", "1.2.3.4/x", ""])
      expect(parseProxyRange(bad), bad).toBeUndefined();
    expect(normalizeIp("::ffff:127.0.0.1")).toBe("127.0.0.1");
  });

  it("without trusted proxies, the peer is the client whatever the header says", () => {
    const r = new ClientIpResolver([]);
    expect(r.resolve("127.0.0.1", { "x-forwarded-for": "1.2.3.4" })).toBe("127.0.0.1");
    expect(r.resolve("::ffff:10.0.0.2", {})).toBe("10.0.0.2");
    expect(r.resolve(undefined, { "x-forwarded-for": "1.2.3.4" })).toBe("unknown");
  });

  it("behind trusted proxies, the rightmost untrusted hop is the client", () => {
    const r = new ClientIpResolver(ranges("10.0.0.0/8", "fd00::/8"));
    // Not from a proxy: the header is ignored.
    expect(r.resolve("192.0.2.1", { "x-forwarded-for": "1.2.3.4" })).toBe("192.0.2.1");
    // One proxy; the client's own "6.6.6.6" is left of what the proxy appended.
    expect(r.resolve("10.0.0.1", { "x-forwarded-for": "6.6.6.6, 198.51.100.7" })).toBe("198.51.100.7");
    // Two proxies, and the header split over two lines.
    expect(r.resolve("10.0.0.1", { "x-forwarded-for": ["6.6.6.6, 198.51.100.7", "10.9.9.9"] })).toBe(
      "198.51.100.7",
    );
    // IPv6 proxy and client.
    expect(r.resolve("fd00::1", { "x-forwarded-for": "2001:db8::5" })).toBe("2001:db8::5");
    // No header, or only trusted hops: as far as anyone vouches.
    expect(r.resolve("10.0.0.1", {})).toBe("10.0.0.1");
    expect(r.resolve("10.0.0.1", { "x-forwarded-for": "10.0.0.7" })).toBe("10.0.0.7");
    // A malformed hop: the last vouched-for address.
    expect(r.resolve("10.0.0.1", { "x-forwarded-for": "1.2.3.4, junk" })).toBe("10.0.0.1");
    expect(r.resolve("10.0.0.1", { "x-forwarded-for": "junk, 10.0.0.3" })).toBe("10.0.0.3");
  });
});
