/**
 * The credentials of the admin API and how they look on the wire: the session cookie, the CSRF token
 * bound to it, and API tokens (`pat_<id>_<secret>`). Only SHA-256 hashes of them are stored.
 */
import { createHash, createHmac, randomBytes as cryptoRandomBytes, timingSafeEqual } from 'node:crypto';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'parapet_session';

/** Bytes of randomness in a session secret (the cookie value) and an API token's secret. */
const SECRET_BYTES = 32;
/** base64url length of SECRET_BYTES. */
const SECRET_LENGTH = 43;

export const API_TOKEN_PREFIX = 'pat_';
/** Characters of a token id (base32, 5 bits each: 60 bits). */
const TOKEN_ID_LENGTH = 12;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** `pat_` + id + `_` + secret. */
export const API_TOKEN_LENGTH = API_TOKEN_PREFIX.length + TOKEN_ID_LENGTH + 1 + SECRET_LENGTH;

export type RandomBytes = (n: number) => Buffer;

/** Hex SHA-256 of a credential, as stored. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Compares a presented credential with a stored hex SHA-256, in constant time. */
export function matchesHash(presented: string, storedHex: string): boolean {
  const expected = Buffer.from(storedHex, 'hex');
  const actual = createHash('sha256').update(presented, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

/** A new session secret: the cookie value (base64url of 32 random bytes). */
export function newSessionSecret(random: RandomBytes = cryptoRandomBytes): string {
  return exactly(random, SECRET_BYTES).toString('base64url');
}

/** True when `value` has the shape of a session secret (checked before any lookup). */
export function isSessionSecret(value: string): boolean {
  return value.length === SECRET_LENGTH && onlyFrom(value, BASE64URL);
}

/**
 * The CSRF token of a session: HMAC-SHA256 of a fixed label keyed by the session secret. It can be
 * recomputed from the cookie (so `GET /session` can hand it to a reloaded page) but not from anything
 * another origin can read; the store keeps only its hash.
 */
export function csrfTokenFor(sessionSecret: string): string {
  return createHmac('sha256', sessionSecret).update('parapet-admin-csrf-v1').digest('base64url');
}

/** The value of cookie `name` in a `cookie` header (the first one of that name), or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value;
  }
  return null;
}

/**
 * The `set-cookie` value that opens a session: HttpOnly (no script can read it), SameSite=Strict (no
 * other site's page sends it), Path=/, Max-Age of the absolute lifetime, and Secure when the request
 * came over TLS.
 */
export function sessionCookie(secret: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  const parts = [
    `${SESSION_COOKIE}=${secret}`,
    'HttpOnly',
    'SameSite=Strict',
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/** The `set-cookie` value that deletes the session cookie. */
export function clearedSessionCookie(options: { secure: boolean }): string {
  return sessionCookie('', { maxAgeSeconds: 0, secure: options.secure });
}

/** A new API token: the string shown once, its public id and the hash to store. */
export interface GeneratedApiToken {
  id: string;
  token: string;
  hash: string;
}

export function generateApiToken(random: RandomBytes = cryptoRandomBytes): GeneratedApiToken {
  let id = '';
  for (const byte of exactly(random, TOKEN_ID_LENGTH)) id += BASE32[byte & 31];
  const token = `${API_TOKEN_PREFIX}${id}_${exactly(random, SECRET_BYTES).toString('base64url')}`;
  return { id, token, hash: sha256Hex(token) };
}

/** True for anything that starts like an API token (so it is never tried as the bootstrap token). */
export function looksLikeApiToken(text: string): boolean {
  return text.startsWith(API_TOKEN_PREFIX);
}

/** The id of a well-formed API token, or null; bounded time, no regular expression. */
export function parseApiToken(token: string): { id: string } | null {
  if (token.length !== API_TOKEN_LENGTH || !token.startsWith(API_TOKEN_PREFIX)) return null;
  const idEnd = API_TOKEN_PREFIX.length + TOKEN_ID_LENGTH;
  const id = token.slice(API_TOKEN_PREFIX.length, idEnd);
  if (!onlyFrom(id, BASE32) || token[idEnd] !== '_') return null;
  if (!onlyFrom(token.slice(idEnd + 1), BASE64URL)) return null;
  return { id };
}

/** The bearer credential of an `Authorization` header, or null. */
export function bearerOf(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const space = authorization.indexOf(' ');
  if (space < 0 || authorization.slice(0, space).toLowerCase() !== 'bearer') return null;
  const credential = authorization.slice(space + 1).trim();
  return credential === '' ? null : credential;
}

function exactly(random: RandomBytes, n: number): Buffer {
  const bytes = random(n);
  if (bytes.length !== n) throw new Error('the random source returned fewer bytes than requested');
  return bytes;
}

function onlyFrom(text: string, alphabet: string): boolean {
  for (const char of text) if (!alphabet.includes(char)) return false;
  return true;
}
