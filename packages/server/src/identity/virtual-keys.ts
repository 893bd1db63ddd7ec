/**
 * Parapet virtual keys: the credentials clients send instead of provider keys.
 *
 * Format: `ppk_<id>_<secret>` where `id` is 12 lowercase RFC 4648 base32 characters (`a-z`, `2-7`) and
 * `secret` is 32 random bytes in unpadded base64url (43 characters), so a key is exactly 60 characters.
 * Only the hex SHA-256 of the whole key string is stored; the id is public and names the stored record.
 */
import crypto from 'node:crypto';
import type { KeyRecord } from '../store/ports.ts';

/** Every key starts with this prefix, so secret scanners and log maskers can spot it. */
export const VIRTUAL_KEY_PREFIX = 'ppk_';
/** Length of the public id part. */
export const VIRTUAL_KEY_ID_LENGTH = 12;
/** Number of random bytes in the secret part. */
export const VIRTUAL_KEY_SECRET_BYTES = 32;
/** Length of the secret part: 32 bytes in unpadded base64url. */
const SECRET_LENGTH = 43;
/** Total length of a well-formed key. */
export const VIRTUAL_KEY_LENGTH = VIRTUAL_KEY_PREFIX.length + VIRTUAL_KEY_ID_LENGTH + 1 + SECRET_LENGTH;

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const HEX_DIGEST_LENGTH = 64;

/** A freshly generated key: `key` is shown to the user once, `hash` is what gets stored. */
export interface GeneratedVirtualKey {
  id: string;
  key: string;
  hash: string;
}

/** What a stored key must provide to be checked. */
export type VerifiableKey = Pick<KeyRecord, 'id' | 'hash'>;

/** Whether a stored key may be used now. */
export type KeyUsability = 'ok' | 'expired' | 'revoked';

/**
 * Generates a new key with the given source of randomness (pass `crypto.randomBytes`; tests pass a
 * deterministic one). The id uses 12 bytes (5 bits each, unbiased since 256 is a multiple of 32).
 */
export function generateVirtualKey(randomBytes: (n: number) => Buffer): GeneratedVirtualKey {
  const idBytes = randomBytes(VIRTUAL_KEY_ID_LENGTH);
  const secretBytes = randomBytes(VIRTUAL_KEY_SECRET_BYTES);
  if (idBytes.length !== VIRTUAL_KEY_ID_LENGTH || secretBytes.length !== VIRTUAL_KEY_SECRET_BYTES) {
    throw new Error('the random source returned fewer bytes than requested');
  }
  let id = '';
  for (const byte of idBytes) id += BASE32_ALPHABET[byte & 31];
  const key = `${VIRTUAL_KEY_PREFIX}${id}_${secretBytes.toString('base64url')}`;
  return { id, key, hash: hashVirtualKey(key) };
}

/**
 * Checks the exact format of a presented token and returns its public id, or null when it is not a
 * Parapet virtual key. Runs in time bounded by the fixed key length (no regular expression); the secret
 * must be canonical base64url (its last character carries no stray bits).
 */
export function parseVirtualKey(token: string): { id: string } | null {
  if (typeof token !== 'string' || token.length !== VIRTUAL_KEY_LENGTH) return null;
  if (!token.startsWith(VIRTUAL_KEY_PREFIX)) return null;
  const idStart = VIRTUAL_KEY_PREFIX.length;
  const separator = idStart + VIRTUAL_KEY_ID_LENGTH;
  for (let i = idStart; i < separator; i++) {
    if (!BASE32_ALPHABET.includes(token[i]!)) return null;
  }
  if (token[separator] !== '_') return null;
  for (let i = separator + 1; i < token.length; i++) {
    if (!BASE64URL_ALPHABET.includes(token[i]!)) return null;
  }
  // 32 bytes = 256 bits = 42 full sextets + 4 bits: the last character's two low bits must be zero.
  if (BASE64URL_ALPHABET.indexOf(token[token.length - 1]!) % 4 !== 0) return null;
  return { id: token.slice(idStart, separator) };
}

/** Hex SHA-256 of the whole key string: the only form of the key that is stored. */
export function hashVirtualKey(key: string): string {
  return crypto.createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * True when `token` is the key whose hash `record` stores. The digests are compared in constant time
 * (`crypto.timingSafeEqual` on two 32-byte buffers), so response timing reveals nothing about the hash.
 */
export function verifyVirtualKey(record: VerifiableKey, token: string): boolean {
  const parsed = parseVirtualKey(token);
  if (parsed === null || parsed.id !== record.id) return false;
  if (record.hash.length !== HEX_DIGEST_LENGTH || !isLowerHex(record.hash)) return false;
  const expected = Buffer.from(record.hash, 'hex');
  const actual = crypto.createHash('sha256').update(token, 'utf8').digest();
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
}

/** Whether a stored key may be used at `now`: revocation wins over expiry. */
export function keyUsability(record: Pick<KeyRecord, 'expiresAt' | 'revokedAt'>, now: Date): KeyUsability {
  if (record.revokedAt !== null) return 'revoked';
  if (record.expiresAt !== null) {
    const expires = Date.parse(record.expiresAt);
    if (Number.isNaN(expires) || expires <= now.getTime()) return 'expired';
  }
  return 'ok';
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a duration such as `90m`, `12h`, `30d` (also `s` and `w`) into milliseconds; null when the
 * text is not a positive whole number followed by one unit.
 */
export function parseDuration(text: string): number | null {
  if (typeof text !== 'string' || text.length < 2 || text.length > 12) return null;
  const unit = DURATION_UNITS_MS[text[text.length - 1]!];
  if (unit === undefined) return null;
  const digits = text.slice(0, -1);
  for (const char of digits) {
    if (char < '0' || char > '9') return null;
  }
  const count = Number(digits);
  return count > 0 ? count * unit : null;
}

function isLowerHex(text: string): boolean {
  for (const char of text) {
    if (!((char >= '0' && char <= '9') || (char >= 'a' && char <= 'f'))) return false;
  }
  return true;
}
