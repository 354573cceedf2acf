import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';

/** A random secret with 160 bits of entropy, safe in cookies and headers. */
export function generateToken(prefix = ''): string {
  const bytes = new Uint8Array(20);
  crypto.getRandomValues(bytes);
  return prefix + encodeBase32LowerCaseNoPadding(bytes);
}

/** What the database stores instead of a token. */
export const hashToken = (token: string): string => encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
