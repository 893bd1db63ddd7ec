import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  CONTENT_KEY_FILE_NAME,
  decryptContent,
  encryptContent,
  loadContentKey,
  parseContentKey,
} from '../../src/store/index.ts';
import { tempDir } from './store-fixtures.ts';

const HEX = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

describe('loadContentKey', () => {
  test('reads PARAPET_ENCRYPTION_KEY as hex or base64 and touches no file', () => {
    const tmp = tempDir();
    try {
      const fromHex = loadContentKey({ dataDir: tmp.dir, envKey: HEX });
      assert.equal(fromHex.source, 'env');
      assert.equal(fromHex.file, null);
      assert.equal(fromHex.key.toString('hex'), HEX);
      const base64 = Buffer.from(HEX, 'hex').toString('base64');
      assert.deepEqual(loadContentKey({ dataDir: tmp.dir, envKey: ` ${base64}\n` }).key, fromHex.key);
      assert.deepEqual(parseContentKey(Buffer.from(HEX, 'hex').toString('base64url')), fromHex.key);
      assert.throws(() => statSync(join(tmp.dir, CONTENT_KEY_FILE_NAME)), /ENOENT/);
    } finally {
      tmp.remove();
    }
  });

  test('refuses a malformed env key without repeating it', () => {
    for (const bad of [
      'abc',
      HEX.slice(2),
      `${HEX}00`,
      Buffer.alloc(31).toString('base64'),
      'zz'.repeat(32),
    ]) {
      assert.throws(
        () => loadContentKey({ dataDir: '/nonexistent', envKey: bad }),
        (error: Error) =>
          /PARAPET_ENCRYPTION_KEY must be 32 bytes/.test(error.message) && !error.message.includes(bad),
      );
    }
  });

  test('generates a 0600 key file in a new directory once, then reads the same key back', () => {
    const tmp = tempDir();
    try {
      const dataDir = join(tmp.dir, 'data');
      const first = loadContentKey({ dataDir, envKey: '' });
      assert.equal(first.source, 'generated');
      assert.equal(first.key.length, 32);
      assert.equal(first.insecurePermissions, false);
      const file = join(dataDir, CONTENT_KEY_FILE_NAME);
      assert.equal(first.file, file);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.match(readFileSync(file, 'utf8'), /^[0-9a-f]{64}\n$/);
      const second = loadContentKey({ dataDir });
      assert.equal(second.source, 'file');
      assert.deepEqual(second.key, first.key);
    } finally {
      tmp.remove();
    }
  });

  test('flags a key file others can read, and refuses a malformed one', () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, CONTENT_KEY_FILE_NAME);
      writeFileSync(file, HEX);
      chmodSync(file, 0o644);
      const loaded = loadContentKey({ dataDir: tmp.dir });
      assert.equal(loaded.insecurePermissions, true);
      assert.equal(loaded.key.toString('hex'), HEX);
      writeFileSync(file, 'not a key');
      assert.throws(() => loadContentKey({ dataDir: tmp.dir }), /does not hold 32 bytes/);
    } finally {
      tmp.remove();
    }
  });
});

describe('encryptContent / decryptContent', () => {
  const key = Buffer.from(HEX, 'hex');

  test('round-trips any text, with a fresh IV each time', () => {
    for (const text of [
      '',
      'hello',
      '{"messages":[{"role":"user","content":"Grüße 👋🏽 世界"}]}',
      'x'.repeat(100_000),
    ]) {
      const blob = encryptContent(key, text);
      assert.match(blob, /^v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]{22}==:[A-Za-z0-9+/]*={0,2}$/);
      assert.equal(decryptContent(key, blob), text);
    }
    assert.notEqual(encryptContent(key, 'same'), encryptContent(key, 'same'));
  });

  test('does not reveal the plaintext', () => {
    const blob = encryptContent(key, 'my card is 4111 1111 1111 1111');
    assert.ok(!blob.includes('4111'));
    assert.ok(
      !Buffer.from(blob.split(':')[3] as string, 'base64')
        .toString('latin1')
        .includes('4111'),
    );
  });

  test('throws on a wrong key, an altered part, or a malformed blob', () => {
    const blob = encryptContent(key, 'secret text');
    const [v, iv, tag, ct] = blob.split(':') as [string, string, string, string];
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] = (bytes[0] as number) ^ 1;
      return bytes.toString('base64');
    };
    const otherKey = Buffer.alloc(32, 7);
    assert.throws(() => decryptContent(otherKey, blob), /failed authentication/);
    assert.throws(() => decryptContent(key, [v, flip(iv), tag, ct].join(':')), /failed authentication/);
    assert.throws(() => decryptContent(key, [v, iv, flip(tag), ct].join(':')), /failed authentication/);
    assert.throws(() => decryptContent(key, [v, iv, tag, flip(ct)].join(':')), /failed authentication/);
    for (const bad of [
      '',
      'v2:a:b:c',
      `v1:${iv}:${tag}`,
      `v1:${iv}:${tag.slice(4)}:${ct}`,
      `v1:${iv}:${tag}:${ct}:x`,
      `v1:!!:${tag}:${ct}`,
    ]) {
      assert.throws(() => decryptContent(key, bad), /not a `v1:<iv>:<tag>:<ciphertext>` encrypted blob/);
    }
    assert.throws(() => encryptContent(Buffer.alloc(16), 'x'), /must be 32 bytes/);
  });
});
