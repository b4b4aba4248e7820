const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** A url-safe random id from the platform's CSPRNG (Web Crypto, in browsers and Node 20). */
export function randomId(length = 21): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 63];
  return out;
}
