import type { SessionSummary } from "@/lib/protocol/sessions";
import type { ConnectionEntry } from "./types";
const BROWSERS: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, "Edge"],
  [/\bOPR\/(\d+)/, "Opera"],
  [/\bSamsungBrowser\/(\d+)/, "Samsung Internet"],
  [/\bFirefox\/(\d+)/, "Firefox"],
  [/\bFxiOS\/(\d+)/, "Firefox"],
  [/\bCriOS\/(\d+)/, "Chrome"],
  [/\b(?:HeadlessChrome|Chrome|Chromium)\/(\d+)/, "Chrome"],
  [/\bVersion\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari\//, "Safari"],
  [/\bnode(?:\.js)?\/v?(\d+)/i, "Node.js"],
];

const SYSTEMS: [RegExp, string][] = [
  [/\b(?:iPhone|iPad|iPod)\b/, "iOS"],
  [/\bAndroid\b/, "Android"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bWindows\b/, "Windows"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bLinux\b/, "Linux"],
];

/**
 * "Chrome 156 on Linux": enough for a person to recognise one of their sessions. A rough reading of the
 * user agent, never used for decisions.
 */
export function describeUserAgent(userAgent: string): string {
  const ua = userAgent.slice(0, 512);
  if (!ua.trim()) return "Unknown client";
  let browser: string | undefined;
  for (const [pattern, name] of BROWSERS) {
    const m = pattern.exec(ua);
    if (m) {
      browser = `${name} ${m[1]}`;
      break;
    }
  }
  const system = SYSTEMS.find(([pattern]) => pattern.test(ua))?.[1];
  if (!browser) {
    const first = /^([A-Za-z][\w.-]{0,40})/.exec(ua)?.[1];
    browser = first ?? "Unknown client";
  }
  return system ? `${browser} on ${system}` : browser;
}

/** A registry entry as people see it: in the user's sessions list and in the admin's users table. */
export function describeConnection(e: ConnectionEntry): SessionSummary {
  return {
    connectionId: e.connectionId,
    instanceId: e.instanceId,
    transport: e.transport,
    browser: e.via === "token" && !e.userAgent ? "API token" : describeUserAgent(e.userAgent),
    userAgent: e.userAgent,
    ip: e.ip,
    via: e.via,
    connectedAt: e.connectedAt,
  };
}
