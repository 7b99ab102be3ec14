import { join } from "node:path";
import { JsonDoc } from "../storage/json-doc";
import { MAX_TOKENS_PER_USER, TooManyTokensError, type TokenRecord, type TokenStore } from "./token-store";

type TokensDoc = { tokens: Record<string, TokenRecord> };

/** Ids come from requests (`DELETE /api/tokens/:id`): never look them up on the prototype. */
function own(doc: TokensDoc, id: string): TokenRecord | undefined {
  return Object.hasOwn(doc.tokens, id) ? doc.tokens[id] : undefined;
}

/** Embedded mode: `tokens.json` in the data folder, shared safely with `npm run token`. */
export class FileTokenStore implements TokenStore {
  private readonly doc: JsonDoc<TokensDoc>;

  constructor(
    dataDir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.doc = new JsonDoc(join(dataDir, "tokens.json"), () => ({ tokens: {} }));
  }

  private prune(doc: TokensDoc): void {
    const now = this.now();
    for (const [id, t] of Object.entries(doc.tokens)) if (t.expiresAt <= now) delete doc.tokens[id];
  }

  async create(record: TokenRecord): Promise<void> {
    await this.doc.update((doc) => {
      this.prune(doc);
      const held = Object.values(doc.tokens).filter((t) => t.owner === record.owner).length;
      if (held >= MAX_TOKENS_PER_USER) throw new TooManyTokensError();
      doc.tokens[record.id] = { ...record };
    });
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const t = own(await this.doc.read(), id);
    return t && t.expiresAt > this.now() ? { ...t } : undefined;
  }

  async listFor(owner: string): Promise<TokenRecord[]> {
    const now = this.now();
    return Object.values((await this.doc.read()).tokens)
      .filter((t) => t.owner === owner && t.expiresAt > now)
      .map((t) => ({ ...t }))
      .sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
  }

  async revoke(id: string): Promise<TokenRecord | undefined> {
    return this.doc.update((doc) => {
      const t = own(doc, id);
      if (!t) return undefined;
      delete doc.tokens[id];
      this.prune(doc);
      return t.expiresAt > this.now() ? { ...t } : undefined;
    });
  }

  async revokeAllFor(owner: string): Promise<number> {
    return this.doc.update((doc) => {
      this.prune(doc);
      let n = 0;
      for (const [id, t] of Object.entries(doc.tokens)) {
        if (t.owner !== owner) continue;
        delete doc.tokens[id];
        n++;
      }
      return n;
    });
  }

  async touch(id: string, at: number): Promise<void> {
    await this.doc.update((doc) => {
      const t = own(doc, id);
      if (t) t.lastUsedAt = Math.max(t.lastUsedAt ?? 0, at);
    });
  }
}
