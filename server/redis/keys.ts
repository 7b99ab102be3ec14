/**
 * Key layout: `${prefix}:{${tag}}:${kind}`. Everything one Lua script or multi-key step touches shares one hash
 * tag, so the same layout works on a single Redis and on a Cluster.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  key(tag: string, kind: string): string {
    return `${this.prefix}:{${tag}}:${kind}`;
  }
}
