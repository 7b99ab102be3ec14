/** A Map that forgets its least recently used entries beyond `max`. */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }

  /** The value without marking it as used. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  /** The keys, least recently used first. */
  keys(): K[] {
    return [...this.map.keys()];
  }

  delete(key: K): void {
    this.map.delete(key);
  }
}
