import { z } from "zod";

/**
 * Counting distinct users across instances without shipping their names: each instance publishes either the
 * exact set of 32-bit hashes of its users (when it has few) or HyperLogLog registers. The cluster view unions
 * the exact sets when every instance sent one, and otherwise merges registers (about 3 % error at 1024
 * registers). A user connected to two instances is counted once either way.
 */
const P = 10;
const M = 1 << P;
export const EXACT_LIMIT = 256;

export const userSketchSchema = z.union([
  z.strictObject({ exact: z.array(z.number().int().min(0).max(0xffffffff)).max(EXACT_LIMIT) }),
  z.strictObject({ hll: z.base64().length(Math.ceil(M / 3) * 4) }),
]);
export type UserSketch = z.infer<typeof userSketchSchema>;

/** FNV-1a followed by murmur3's finalizer, which spreads FNV's weak low bits over the whole word. */
export function hashUser(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function addToRegisters(registers: Uint8Array, hash: number): void {
  const index = hash >>> (32 - P);
  const rest = (hash << P) >>> 0;
  // Position of the first 1 bit in the remaining 22 bits, 1-based; 23 when they are all zero.
  const rank = rest === 0 ? 32 - P + 1 : Math.clz32(rest) + 1;
  if (rank > registers[index]!) registers[index] = rank;
}

export function sketchOf(hashes: Iterable<number>, size: number): UserSketch {
  if (size <= EXACT_LIMIT) return { exact: [...hashes] };
  const registers = new Uint8Array(M);
  for (const h of hashes) addToRegisters(registers, h);
  return { hll: Buffer.from(registers).toString("base64") };
}

export interface UserCount {
  users: number;
  exact: boolean;
}

export function countUsers(sketches: UserSketch[]): UserCount {
  if (sketches.every((s) => "exact" in s)) {
    const all = new Set<number>();
    for (const s of sketches) for (const h of (s as { exact: number[] }).exact) all.add(h);
    return { users: all.size, exact: true };
  }
  const registers = new Uint8Array(M);
  for (const s of sketches) {
    if ("exact" in s) {
      for (const h of s.exact) addToRegisters(registers, h);
    } else {
      const other = Buffer.from(s.hll, "base64");
      for (let i = 0; i < M; i++) if (other[i]! > registers[i]!) registers[i] = other[i]!;
    }
  }
  return { users: Math.round(estimate(registers)), exact: false };
}

function estimate(registers: Uint8Array): number {
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < M; i++) {
    sum += 2 ** -registers[i]!;
    if (registers[i] === 0) zeros++;
  }
  const alpha = 0.7213 / (1 + 1.079 / M);
  const raw = (alpha * M * M) / sum;
  // Linear counting is far more accurate while many registers are still empty.
  if (raw <= 2.5 * M && zeros > 0) return M * Math.log(M / zeros);
  return raw;
}
