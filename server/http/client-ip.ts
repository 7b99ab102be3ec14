import type { IncomingHttpHeaders } from "node:http";
import { BlockList, isIP } from "node:net";

/** One `TRUSTED_PROXIES` entry: an address or a CIDR, IPv4 or IPv6. */
export interface ProxyRange {
  address: string;
  prefix: number;
  family: "ipv4" | "ipv6";
}

/** Parses `10.0.0.0/8` or `::1`; undefined when it is neither an address nor a CIDR. */
export function parseProxyRange(raw: string): ProxyRange | undefined {
  const [addr = "", bits, extra] = raw.trim().split("/");
  if (extra !== undefined) return undefined;
  const address = normalizeIp(addr);
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) is `1.2.3.4`; anything else is kept as is. */
export function normalizeIp(raw: string): string {
  const s = raw.trim();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(s);
  return mapped ? mapped[1]! : s.toLowerCase();
}

/**
 * Who the client is, for throttles, the connection registry and the admin tables. It is the socket's peer address,
 * unless that peer is one of `TRUSTED_PROXIES`: then `X-Forwarded-For` is read from the right, each trusted proxy
 * vouching for the hop before it, and the first address that is not a trusted proxy is the client. Entries left of
 * it were written by the client itself and are never read, so a client cannot choose the address it is seen as.
 */
export class ClientIpResolver {
  private readonly trusted = new BlockList();
  private readonly any: boolean;

  constructor(ranges: readonly ProxyRange[]) {
    for (const r of ranges) this.trusted.addSubnet(r.address, r.prefix, r.family);
    this.any = ranges.length > 0;
  }

  private isTrusted(ip: string): boolean {
    const version = isIP(ip);
    return version !== 0 && this.trusted.check(ip, version === 4 ? "ipv4" : "ipv6");
  }

  resolve(peerAddress: string | undefined, headers: IncomingHttpHeaders): string {
    const peer = normalizeIp(peerAddress ?? "");
    if (isIP(peer) === 0) return "unknown";
    if (!this.any || !this.isTrusted(peer)) return peer;
    const raw = headers["x-forwarded-for"];
    const hops = (Array.isArray(raw) ? raw.join(",") : (raw ?? "")).split(",");
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalizeIp(hops[i] ?? "");
      // A malformed entry cannot have come from a trusted proxy: the last address vouched for is the answer.
      if (isIP(hop) === 0) return client;
      client = hop;
      if (!this.isTrusted(hop)) return hop;
    }
    // Every hop is a trusted proxy: the leftmost is as far as anyone vouches.
    return client;
  }

  /** For a plain Node request. */
  of(req: { socket: { remoteAddress?: string }; headers: IncomingHttpHeaders }): string {
    return this.resolve(req.socket.remoteAddress, req.headers);
  }
}
