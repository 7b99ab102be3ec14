import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestRedisServer } from "../testing/redis-server";
import { defineScripts, script } from "./scripts";

describe("defineScripts", () => {
  let server: TestRedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await TestRedisServer.start();
    redis = new Redis(server.url, { lazyConnect: true });
    await redis.connect();
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  const SPECS = {
    pbTestIncr: script<(key: string, by: string) => Promise<number>>(
      1,
      "return redis.call('INCRBY', KEYS[1], ARGV[1])",
    ),
    pbTestKeys: script<(n: number, ...keysAndArgs: string[]) => Promise<number>>(
      undefined,
      "return #KEYS * 10 + #ARGV",
    ),
  };

  it("runs each script with its keys, and with a key count passed per call when it has none", async () => {
    const scripts = defineScripts(redis, SPECS);
    expect(await scripts.pbTestIncr("counter", "5")).toBe(5);
    expect(await scripts.pbTestKeys(2, "a", "b", "x")).toBe(21);
  });

  it("defines a script once per client: a second store on the same client shares it", async () => {
    const first = defineScripts(redis, SPECS);
    const second = defineScripts(redis, SPECS);
    expect(await first.pbTestIncr("shared", "1")).toBe(1);
    expect(await second.pbTestIncr("shared", "1")).toBe(2);
  });

  it("loads the scripts again after Redis forgets them", async () => {
    const scripts = defineScripts(redis, SPECS);
    await redis.script("FLUSH");
    expect(await scripts.pbTestIncr("after-flush", "3")).toBe(3);
  });
});
