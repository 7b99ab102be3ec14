/**
 * The value stored under `key` in a plain record, or `undefined`. Keys that come from users (user names, widget
 * ids) must never reach the prototype: `record["constructor"]` is `Object` on every plain object.
 */
export function own<V>(record: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A copy of `record` with `key` set, as an own property even when the key is `__proto__`. */
export function withOwn<V>(record: Readonly<Record<string, V>>, key: string, value: V): Record<string, V> {
  return { ...record, [key]: value };
}

/** A copy of `record` without `key`. */
export function withoutOwn<V>(record: Readonly<Record<string, V>>, key: string): Record<string, V> {
  const copy = { ...record };
  if (Object.hasOwn(copy, key)) delete copy[key];
  return copy;
}
