import type { PendingOpStore, PendingScope, StoredOp } from "./pending-store";

const DB_NAME = "pulseboard";
const DB_VERSION = 1;
const OPS = "pending-ops";
const BY_SCOPE = "scope";

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB request failed"));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
  });
}

/**
 * The browser's `PendingOpStore`: one IndexedDB database, one record per change keyed by [user, boardId, opId],
 * read by the [user, boardId] index. The database is opened on first use and shared by the calls of this store.
 */
export function createIndexedDbPendingStore(factory: IDBFactory = indexedDB): PendingOpStore {
  let db: Promise<IDBDatabase> | null = null;
  const open = (): Promise<IDBDatabase> => {
    db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const store = req.result.createObjectStore(OPS, { keyPath: ["user", "boardId", "opId"] });
        store.createIndex(BY_SCOPE, ["user", "boardId"]);
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error("IndexedDB is not available"));
      req.onblocked = () => reject(new Error("IndexedDB is blocked by another tab"));
    }).catch((err: unknown) => {
      db = null;
      throw err;
    });
    return db;
  };
  const write = async (fn: (store: IDBObjectStore) => void) => {
    const tx = (await open()).transaction(OPS, "readwrite", { durability: "strict" });
    fn(tx.objectStore(OPS));
    await done(tx);
  };
  const range = (scope: PendingScope) => IDBKeyRange.only([scope.user, scope.boardId]);

  return {
    async load(scope) {
      const tx = (await open()).transaction(OPS, "readonly");
      const rows = await request(tx.objectStore(OPS).index(BY_SCOPE).getAll(range(scope)));
      return (rows as unknown[]).filter(
        (r) =>
          typeof r === "object" &&
          r !== null &&
          (r as PendingScope).user === scope.user &&
          (r as PendingScope).boardId === scope.boardId,
      );
    },
    put(scope, op: StoredOp) {
      return write((s) => s.put({ user: scope.user, boardId: scope.boardId, ...op }));
    },
    delete(scope, opIds) {
      return write((s) => {
        for (const id of opIds) s.delete([scope.user, scope.boardId, id]);
      });
    },
    clear(scope) {
      return write((s) => {
        const cursor = s.index(BY_SCOPE).openKeyCursor(range(scope));
        cursor.onsuccess = () => {
          const c = cursor.result;
          if (!c) return;
          s.delete(c.primaryKey);
          c.continue();
        };
      });
    },
  };
}
