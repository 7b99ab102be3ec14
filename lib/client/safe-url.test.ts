import { describe, expect, it } from "vitest";
import { safeHref } from "./safe-url";

describe("safeHref", () => {
  it("refuses script, data and every protocol-relative form", () => {
    for (const bad of [
      "javascript:alert(1)",
      "JavaScript:alert(1)",
      " javascript:alert(1)",
      "data:text/html,x",
      "vbscript:x",
      "//evil.io",
      "/\\evil.io",
      "\\\\evil.io",
      "/\\/evil.io",
      "/\t/evil.io",
      "/\n/evil.io",
      "/%09/evil.io".replace("%09", "\t"),
      "https:\\\\evil.io",
      "http:/\\evil.io",
      "https://",
      "",
      "boards/x",
    ])
      expect(safeHref(bad), JSON.stringify(bad)).toBeUndefined();
  });

  it("keeps http(s), mailto and paths on this site as written", () => {
    for (const good of [
      "https://a.io/x?y=1",
      "http://a.io",
      "HTTPS://A.io/b",
      "mailto:a@b.co",
      "/boards/x",
      "/boards/x?tab=1#w",
      "/",
    ])
      expect(safeHref(good)).toBe(good);
  });
});
