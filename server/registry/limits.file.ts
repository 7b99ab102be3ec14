import { join } from "node:path";
import { JsonDoc } from "../storage/json-doc";
import { limitSettings, storedLimit, type LimitSettings, type LimitStore } from "./limits";
import { own, withOwn, withoutOwn } from "@/lib/util/own";

interface LimitsDoc {
  default?: number;
  users: Record<string, number>;
}

/** Embedded mode: `limits.json` in the data folder, so runtime changes survive a restart. */
export class FileLimitStore implements LimitStore {
  private readonly doc: JsonDoc<LimitsDoc>;

  constructor(
    dataDir: string,
    private readonly configDefault: number,
  ) {
    this.doc = new JsonDoc(join(dataDir, "limits.json"), () => ({ users: {} }));
  }

  async limitFor(user: string): Promise<number> {
    const doc = await this.doc.read();
    return storedLimit(own(doc.users, user)) ?? storedLimit(doc.default) ?? this.configDefault;
  }

  async settings(): Promise<LimitSettings> {
    const doc = await this.doc.read();
    return limitSettings(this.configDefault, doc.default, Object.entries(doc.users ?? {}));
  }

  async setDefault(limit: number | null): Promise<void> {
    await this.doc.update((doc) => {
      if (limit === null) delete doc.default;
      else doc.default = limit;
    });
  }

  async setUser(user: string, limit: number | null): Promise<void> {
    await this.doc.update((doc) => {
      doc.users ??= {};
      doc.users = limit === null ? withoutOwn(doc.users, user) : withOwn(doc.users, user, limit);
    });
  }
}
