import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../testing/temp-dir";
import { resolveSecret } from "./secret";

describe("resolveSecret", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => Promise.all(cleanups.splice(0).map((f) => f())));

  it("generates a secret once in embedded mode, keeps it private, and reuses it", async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const first = await resolveSecret({ mode: "embedded", dataDir: dir.path });
    expect(first.generated).toBe(true);
    expect(first.secret.length).toBeGreaterThanOrEqual(32);
    expect((await stat(join(dir.path, "auth-secret"))).mode & 0o077).toBe(0);
    const second = await resolveSecret({ mode: "embedded", dataDir: dir.path });
    expect(second).toEqual({ secret: first.secret, generated: false });
    expect((await readFile(join(dir.path, "auth-secret"), "utf8")).trim()).toBe(first.secret);
  });

  it("agrees on one secret when two processes start at once", async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const all = await Promise.all(
      Array.from({ length: 5 }, () => resolveSecret({ mode: "embedded", dataDir: dir.path })),
    );
    expect(new Set(all.map((s) => s.secret)).size).toBe(1);
    expect(all.filter((s) => s.generated)).toHaveLength(1);
  });

  it("prefers the configured secret", async () => {
    expect(
      await resolveSecret({ mode: "embedded", dataDir: "/nonexistent", authSecret: "x".repeat(32) }),
    ).toEqual({
      secret: "x".repeat(32),
      generated: false,
    });
  });
});
