/**
 * Password hashing for local admin accounts: scrypt (node:crypto) with N = 2^15, r = 8, p = 1, a 16-byte
 * random salt and a 32-byte key, encoded `scrypt$N$r$p$salt$hash` (salt and hash in base64url), so the
 * cost can be raised later without breaking stored hashes. Verification compares in constant time; an
 * unknown account is checked against a dummy hash with the same cost, so the answer time does not tell
 * which names exist.
 */
import { randomBytes as cryptoRandomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** The cost parameters of new hashes. */
export const SCRYPT_PARAMS = Object.freeze({ N: 2 ** 15, r: 8, p: 1, keyLength: 32, saltLength: 16 });

/** Shortest password accepted for an account, in characters (Unicode code points). */
export const MIN_PASSWORD_LENGTH = 12;
/** Longest password accepted, in characters; longer input is refused rather than hashed. */
export const MAX_PASSWORD_LENGTH = 1024;

/** Stored hashes whose parameters are beyond these are refused instead of run (a tampered row). */
const LIMITS = { maxLogN: 20, maxR: 32, maxP: 16, minKey: 16, maxKey: 64, minSalt: 8, maxSalt: 64 };

/** scrypt needs 128·N·r bytes; Node's default ceiling (32 MiB) is exactly N = 2^15, r = 8, so raise it. */
function maxmemFor(N: number, r: number): number {
  return 128 * N * r * 2 + 1024 * 1024;
}

function derive(password: string, salt: Buffer, N: number, r: number, p: number, length: number) {
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(normalize(password), salt, length, { N, r, p, maxmem: maxmemFor(N, r) }, (err, key) =>
      err === null ? resolve(key) : reject(err),
    );
  });
}

/** NFKC, as NIST SP 800-63B asks, so the same password typed on two keyboards hashes the same. */
function normalize(password: string): string {
  return password.normalize('NFKC');
}

/**
 * Why `password` is not acceptable for an account, as one sentence, or null when it is. Only the length
 * is checked (at least MIN_PASSWORD_LENGTH, at most MAX_PASSWORD_LENGTH characters).
 */
export function passwordProblem(password: string): string | null {
  const length = [...normalize(password)].length;
  if (length < MIN_PASSWORD_LENGTH) {
    return `the password must be at least ${MIN_PASSWORD_LENGTH} characters long (it has ${length}); a passphrase of several words is easiest`;
  }
  if (length > MAX_PASSWORD_LENGTH) {
    return `the password must be at most ${MAX_PASSWORD_LENGTH} characters long`;
  }
  return null;
}

/** Hashes a password for storage; `random` is injectable for tests. */
export async function hashPassword(
  password: string,
  random: (n: number) => Buffer = cryptoRandomBytes,
): Promise<string> {
  const { N, r, p, keyLength, saltLength } = SCRYPT_PARAMS;
  const salt = random(saltLength);
  if (salt.length !== saltLength) throw new Error('the random source returned fewer bytes than requested');
  const key = await derive(password, salt, N, r, p, keyLength);
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

interface Decoded {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

/** Reads `scrypt$N$r$p$salt$hash`; null when it is not one, or its parameters are out of bounds. */
function decode(encoded: string): Decoded | null {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const N = wholeNumber(parts[1]!);
  const r = wholeNumber(parts[2]!);
  const p = wholeNumber(parts[3]!);
  if (N === null || r === null || p === null) return null;
  if (N < 2 || N > 2 ** LIMITS.maxLogN || (N & (N - 1)) !== 0) return null;
  if (r < 1 || r > LIMITS.maxR || p < 1 || p > LIMITS.maxP) return null;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < LIMITS.minSalt || salt.length > LIMITS.maxSalt) return null;
  if (key.length < LIMITS.minKey || key.length > LIMITS.maxKey) return null;
  return { N, r, p, salt, key };
}

function wholeNumber(text: string): number | null {
  if (text.length === 0 || text.length > 9) return null;
  for (const char of text) if (char < '0' || char > '9') return null;
  return Number(text);
}

/**
 * True when `password` matches the stored encoding. The derived key is compared in constant time. An
 * encoding this code cannot read (or whose cost is out of bounds) never matches, after a dummy check.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const decoded = decode(encoded);
  if (decoded === null) {
    await dummyVerify(password);
    return false;
  }
  const { N, r, p, salt, key } = decoded;
  const candidate = await derive(password, salt, N, r, p, key.length);
  return timingSafeEqual(candidate, key);
}

const DUMMY_SALT = Buffer.alloc(SCRYPT_PARAMS.saltLength, 0x5a);

/**
 * Spends the same work as verifying a password against a current hash, and answers false: used when the
 * account does not exist, so a wrong name and a wrong password take the same time.
 */
export async function dummyVerify(password: string): Promise<false> {
  const { N, r, p, keyLength } = SCRYPT_PARAMS;
  await derive(password, DUMMY_SALT, N, r, p, keyLength);
  return false;
}
