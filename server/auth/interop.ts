/**
 * next-auth ships CommonJS with `exports.default`. Node's ESM loader hands a default import the whole
 * `module.exports`, while TypeScript types it as the function; this picks the function in both worlds.
 */
export function cjsDefault<T>(mod: T): T {
  const inner = (mod as { default?: T }).default;
  return typeof inner === "function" ? inner : mod;
}
