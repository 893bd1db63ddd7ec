import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, mock, test } from 'node:test';
import {
  generateVirtualKey,
  hashVirtualKey,
  keyUsability,
  parseDuration,
  parseVirtualKey,
  VIRTUAL_KEY_LENGTH,
  verifyVirtualKey,
} from '../../src/identity/virtual-keys.ts';

/** Deterministic byte source: 0, 1, 2, … */
function counterBytes(): (n: number) => Buffer {
  let next = 0;
  return (n) => Buffer.from(Array.from({ length: n }, () => next++ % 256));
}

describe('generateVirtualKey', () => {
  test('produces ppk_<12 base32>_<43 base64url> with the hash of the whole key', () => {
    const { id, key, hash } = generateVirtualKey(counterBytes());
    assert.equal(id, 'abcdefghijkl');
    assert.equal(key.length, VIRTUAL_KEY_LENGTH);
    assert.ok(key.startsWith(`ppk_${id}_`));
    assert.equal(
      key.slice(17),
      Buffer.from(Array.from({ length: 32 }, (_, i) => i + 12)).toString('base64url'),
    );
    assert.equal(hash, crypto.createHash('sha256').update(key).digest('hex'));
    assert.equal(hashVirtualKey(key), hash);
  });

  test('ids use only the lowercase base32 alphabet and keys differ with real randomness', () => {
    const a = generateVirtualKey(crypto.randomBytes);
    const b = generateVirtualKey(crypto.randomBytes);
    assert.notEqual(a.key, b.key);
    for (const char of a.id + b.id) assert.ok('abcdefghijklmnopqrstuvwxyz234567'.includes(char));
    assert.deepEqual(parseVirtualKey(a.key), { id: a.id });
  });

  test('rejects a random source that returns too few bytes', () => {
    assert.throws(() => generateVirtualKey(() => Buffer.alloc(3)), /fewer bytes/);
  });
});

describe('parseVirtualKey', () => {
  const { key, id } = generateVirtualKey(counterBytes());

  test('accepts a well-formed key', () => {
    assert.deepEqual(parseVirtualKey(key), { id });
  });

  test('rejects malformed tokens', () => {
    const bad = [
      '',
      'ppk_',
      key.slice(0, -1),
      `${key}A`,
      `sk-${key.slice(3)}`,
      `ppk_ABCDEFGHIJKL${key.slice(16)}`, // uppercase id
      `ppk_abcdefghijk1${key.slice(16)}`, // 1 is not base32
      `${key.slice(0, 16)}-${key.slice(17)}`, // wrong separator
      `${key.slice(0, 20)}+${key.slice(21)}`, // + is not base64url
      `${key.slice(0, -1)}B`, // non-canonical last character
      'x'.repeat(100_000),
    ];
    for (const token of bad) assert.equal(parseVirtualKey(token), null, token.slice(0, 70));
  });
});

describe('verifyVirtualKey', () => {
  const { key, id, hash } = generateVirtualKey(crypto.randomBytes);
  const other = generateVirtualKey(crypto.randomBytes);

  test('accepts the key whose hash is stored and rejects others', () => {
    assert.equal(verifyVirtualKey({ id, hash }, key), true);
    assert.equal(verifyVirtualKey({ id, hash }, other.key), false);
    // Same id, different secret.
    assert.equal(verifyVirtualKey({ id, hash }, `ppk_${id}_${other.key.slice(17)}`), false);
    assert.equal(verifyVirtualKey({ id, hash: 'abc' }, key), false);
    assert.equal(verifyVirtualKey({ id, hash: hash.toUpperCase() }, key), false);
  });

  test('compares the digests with crypto.timingSafeEqual', () => {
    const spy = mock.method(crypto, 'timingSafeEqual');
    try {
      assert.equal(verifyVirtualKey({ id, hash }, key), true);
      assert.equal(verifyVirtualKey({ id, hash: other.hash }, key), false);
      assert.equal(spy.mock.callCount(), 2);
      for (const call of spy.mock.calls) {
        const [a, b] = call.arguments as unknown as [Buffer, Buffer];
        assert.equal(a.length, 32);
        assert.equal(b.length, 32);
      }
    } finally {
      spy.mock.restore();
    }
  });
});

describe('keyUsability', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  test('ok, expired and revoked', () => {
    assert.equal(keyUsability({ expiresAt: null, revokedAt: null }, now), 'ok');
    assert.equal(keyUsability({ expiresAt: '2025-06-01T12:00:01Z', revokedAt: null }, now), 'ok');
    assert.equal(keyUsability({ expiresAt: '2025-06-01T12:00:00Z', revokedAt: null }, now), 'expired');
    assert.equal(keyUsability({ expiresAt: 'garbage', revokedAt: null }, now), 'expired');
    assert.equal(
      keyUsability({ expiresAt: '2030-01-01T00:00:00Z', revokedAt: '2025-05-01T00:00:00Z' }, now),
      'revoked',
    );
    assert.equal(
      keyUsability({ expiresAt: '2020-01-01T00:00:00Z', revokedAt: '2025-05-01T00:00:00Z' }, now),
      'revoked',
    );
  });
});

describe('parseDuration', () => {
  test('parses whole numbers with one unit', () => {
    assert.equal(parseDuration('90m'), 90 * 60_000);
    assert.equal(parseDuration('12h'), 12 * 3_600_000);
    assert.equal(parseDuration('30d'), 30 * 86_400_000);
    assert.equal(parseDuration('45s'), 45_000);
    assert.equal(parseDuration('2w'), 14 * 86_400_000);
  });
  test('rejects everything else', () => {
    for (const text of ['', 'd', '0d', '-1d', '1.5h', '10', '10y', '1 d', '1dd', '9999999999999d']) {
      assert.equal(parseDuration(text), null, text);
    }
  });
});
