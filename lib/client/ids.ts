const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/**
 * A random id of `length` characters from [A-Za-z0-9_-], valid as an opId (8-64) and as a widget or item id
 * (1-64). Uses the Web Crypto API, present in browsers and in Node.
 */
export function randomId(length = 16): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const b of bytes) out += ALPHABET[b & 63];
  return out;
}

export const newOpId = () => randomId(20);
