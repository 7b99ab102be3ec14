import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * OWASP's minimum for scrypt: N=2^17, r=8, p=1. It needs 128 * N * r bytes = 128 MiB per hash, four times Node's
 * default `maxmem` (32 MiB), so `maxmem` is raised explicitly; a hash takes a few hundred ms on a small machine.
 */
export const PASSWORD_PARAMS: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };
const KEY_LEN = 32;
/** The most a stored hash may make us allocate: a corrupted or hostile record cannot exhaust memory. */
const MAX_MEM = 256 * 1024 * 1024;

export function derive(
  password: string,
  salt: Buffer,
  params: ScryptParams,
  keyLen: number,
): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: MAX_MEM };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, keyLen, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** Returns `scrypt$N$r$p$salt$hash`, self-describing so the parameters can change without a migration. */
export async function hashPassword(
  password: string,
  params: ScryptParams = PASSWORD_PARAMS,
): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params, KEY_LEN);
  return ["scrypt", params.N, params.r, params.p, salt.toString("base64url"), key.toString("base64url")].join(
    "$",
  );
}

function parse(stored: string) {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const [, n, r, p, saltB64, keyB64] = parts as [string, string, string, string, string, string];
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (![params.N, params.r, params.p].every((x) => Number.isSafeInteger(x) && x > 0)) return undefined;
  return { params, salt: Buffer.from(saltB64, "base64url"), key: Buffer.from(keyB64, "base64url") };
}

/** The key derivation (scrypt); exported for tests that count its runs. */
export type Derive = typeof derive;

/**
 * Whether `password` matches `stored`. A stored value that is no password hash (an SSO user's `oidc$...`
 * credential, a damaged record) is checked against the dummy hash and refused: it takes as long as a wrong
 * password, so timing tells no SSO user's name from a local one's or an unknown one's. `kdf` is for tests.
 */
export async function verifyPassword(
  password: string,
  stored: string,
  kdf: Derive = derive,
): Promise<boolean> {
  const parsed = parse(stored);
  const usable = parsed !== undefined && parsed.key.length > 0;
  const against = usable ? parsed : parse(await dummyPasswordHash())!;
  let actual: Buffer;
  try {
    actual = await kdf(password, against.salt, against.params, against.key.length);
  } catch {
    return false;
  }
  return usable && actual.length === against.key.length && timingSafeEqual(actual, against.key);
}

/** Whether a stored hash was made with other parameters than today's: it is upgraded at the next sign-in. */
export function needsRehash(stored: string, params: ScryptParams = PASSWORD_PARAMS): boolean {
  const parsed = parse(stored);
  if (!parsed) return false;
  return parsed.params.N !== params.N || parsed.params.r !== params.r || parsed.params.p !== params.p;
}

/** A hash to verify against when the user does not exist, so timing does not reveal which names exist. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(12).toString("hex"));
  return dummyHash;
}
