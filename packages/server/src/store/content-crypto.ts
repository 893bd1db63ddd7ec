import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { pooledRandomBytes } from '../util/random-pool.ts';

/** File name of the generated content key inside the data directory. */
export const CONTENT_KEY_FILE_NAME = 'encryption.key';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=?$/;
const BASE64URL_KEY = /^[A-Za-z0-9_-]{43}=?$/;
const BASE64_PART = /^[A-Za-z0-9+/]*={0,2}$/;

export interface LoadContentKeyOptions {
  /** Where `encryption.key` is read from or generated into; created (mode 0700) when missing. */
  dataDir: string;
  /** `PARAPET_ENCRYPTION_KEY`: 32 bytes as 64 hex characters or base64. Empty means unset. */
  envKey?: string;
}

/** The content key and where it came from. */
export interface ContentKey {
  /** 32 bytes for AES-256-GCM. */
  key: Buffer;
  /** `env`: PARAPET_ENCRYPTION_KEY; `file`: an existing key file; `generated`: written just now. */
  source: 'env' | 'file' | 'generated';
  /** The key file, or null when the key came from the environment. */
  file: string | null;
  /**
   * True when the key file can be read or written by the group or others (mode & 0o077): the caller
   * should warn and suggest `chmod 600`. Always false for `env`.
   */
  insecurePermissions: boolean;
}

/**
 * Reads a 32-byte key written as 64 hex characters or base64 (standard or URL-safe). Returns null when
 * the text is neither; the text is never put in an error message.
 */
export function parseContentKey(text: string): Buffer | null {
  const value = text.trim();
  if (HEX_KEY.test(value)) return Buffer.from(value, 'hex');
  if (BASE64_KEY.test(value) || BASE64URL_KEY.test(value)) {
    const key = Buffer.from(value, BASE64_KEY.test(value) ? 'base64' : 'base64url');
    return key.length === KEY_BYTES ? key : null;
  }
  return null;
}

/**
 * Loads the content key: from `envKey` when set, else from `<dataDir>/encryption.key`, else generates 32
 * random bytes into that file (hex, mode 0600, created atomically so two processes agree on one key).
 * Throws when the env key or the key file is malformed; the message never contains key material.
 */
export function loadContentKey(options: LoadContentKeyOptions): ContentKey {
  if (options.envKey !== undefined && options.envKey.trim() !== '') {
    const key = parseContentKey(options.envKey);
    if (key === null) {
      throw new Error(
        'PARAPET_ENCRYPTION_KEY must be 32 bytes written as 64 hex characters or base64; generate one with `openssl rand -hex 32`',
      );
    }
    return { key, source: 'env', file: null, insecurePermissions: false };
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const file = join(options.dataDir, CONTENT_KEY_FILE_NAME);
  let source: ContentKey['source'] = 'file';
  if (!exists(file)) {
    if (writeNewKeyFile(file)) source = 'generated';
  }
  const key = parseContentKey(readFileSync(file, 'utf8'));
  if (key === null) {
    throw new Error(
      `the key file \`${file}\` does not hold 32 bytes as 64 hex characters or base64; restore it from a backup, or delete it only if no stored content needs it`,
    );
  }
  const mode = statSync(file).mode;
  return { key, source, file, insecurePermissions: process.platform !== 'win32' && (mode & 0o077) !== 0 };
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Writes a fresh key to a temporary file, then links it into place; false when another process won. */
function writeNewKeyFile(file: string): boolean {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(KEY_BYTES).toString('hex')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) {
    throw new Error(`the content key must be ${KEY_BYTES} bytes, got ${key.length}`);
  }
}

/**
 * Encrypts text with AES-256-GCM and a random 12-byte IV: `v1:<iv b64>:<tag b64>:<ciphertext b64>`.
 */
export function encryptContent(key: Uint8Array, plaintext: string): string {
  checkKey(key);
  const iv = pooledRandomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `v1:${iv.toString('base64')}:${tag.toString('base64')}:${ciphertext.toString('base64')}`;
}

/**
 * Decrypts a blob from encryptContent. Throws when the blob is malformed, or when the key is wrong or the
 * blob was altered (GCM authentication fails).
 */
export function decryptContent(key: Uint8Array, blob: string): string {
  checkKey(key);
  const parts = blob.split(':');
  if (parts.length !== 4 || parts[0] !== 'v1' || !parts.slice(1).every((p) => BASE64_PART.test(p))) {
    throw new Error('the content is not a `v1:<iv>:<tag>:<ciphertext>` encrypted blob');
  }
  const iv = Buffer.from(parts[1] as string, 'base64');
  const tag = Buffer.from(parts[2] as string, 'base64');
  const ciphertext = Buffer.from(parts[3] as string, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new Error('the content is not a `v1:<iv>:<tag>:<ciphertext>` encrypted blob');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new Error('the content failed authentication: wrong key or altered data', { cause: error });
  }
}
