/** Where a relative link is resolved to check that it stays on this site; never fetched. */
const HERE = "https://this-site.invalid";

/**
 * A link target that cannot run script or leave the site in disguise: http(s), mailto, or a path on this site.
 *
 * Browsers read `\` as `/` and drop tabs and newlines inside URLs, so `/\evil.io` and `/<tab>/evil.io` are
 * protocol-relative links to another host, like `//evil.io`. Such characters are refused outright, and a path is
 * accepted only if it resolves to this site's own origin.
 */
export function safeHref(raw: string): string | undefined {
  const href = raw.trim();
  if (href === "" || /[\u0000-\u0020\u007f\\]/.test(href)) return undefined;
  if (/^(https?:\/\/|mailto:)/i.test(href)) {
    try {
      const url = new URL(href);
      return url.protocol === "mailto:" || url.hostname !== "" ? href : undefined;
    } catch {
      return undefined;
    }
  }
  if (!href.startsWith("/") || href.startsWith("//")) return undefined;
  try {
    return new URL(href, HERE).origin === HERE ? href : undefined;
  } catch {
    return undefined;
  }
}
