/** The key logic shared by `parapet keys` and the admin API: records, listings, expiry, revocation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createVirtualKey,
  listedKey,
  resolveExpiry,
  revokeVirtualKey,
} from '../../src/identity/key-management.ts';
import { hashVirtualKey, parseVirtualKey } from '../../src/identity/virtual-keys.ts';
import type { KeyRecord } from '../../src/store/ports.ts';

/** A KeyStore in memory. */
function memoryKeys() {
  const records = new Map<string, KeyRecord>();
  return {
    records,
    async createKey(record: KeyRecord) {
      records.set(record.id, structuredClone(record));
    },
    async findKey(id: string) {
      return records.get(id) ?? null;
    },
    async revokeKey(id: string, at: string) {
      const record = records.get(id);
      if (record === undefined) return false;
      record.revokedAt = at;
      return true;
    },
  };
}

const NOW = new Date('2025-06-01T10:00:00.000Z');
let counter = 0;
const random = (n: number) => Buffer.alloc(n, ++counter);

test('createVirtualKey stores the hash only, de-duplicates groups and models, keeps their order', async () => {
  const keys = memoryKeys();
  const { key, record } = await createVirtualKey(
    keys,
    {
      user: 'ann',
      groups: ['b', 'a', 'b'],
      models: ['m2', 'm1', 'm2'],
      expiresAt: '2025-07-01T00:00:00.000Z',
    },
    { now: NOW, randomBytes: random },
  );
  assert.deepEqual(parseVirtualKey(key), { id: record.id });
  assert.equal(record.hash, hashVirtualKey(key));
  assert.deepEqual(record.groups, ['b', 'a']);
  assert.deepEqual(record.models, ['m2', 'm1']);
  assert.equal(record.createdAt, NOW.toISOString());
  const stored = keys.records.get(record.id)!;
  assert.ok(!JSON.stringify(stored).includes(key), 'the secret is not stored');

  const bare = await createVirtualKey(keys, {}, { now: NOW, randomBytes: random });
  assert.deepEqual(
    [bare.record.user, bare.record.groups, bare.record.app, bare.record.models, bare.record.expiresAt],
    [null, [], null, null, null],
  );
});

test('listedKey never carries the hash, and gives the status at a time', async () => {
  const keys = memoryKeys();
  const { record } = await createVirtualKey(
    keys,
    { expiresAt: '2025-06-02T00:00:00.000Z' },
    { now: NOW, randomBytes: random },
  );
  const listed = listedKey(record, NOW);
  assert.equal('hash' in listed, false);
  assert.equal(listed.status, 'ok');
  assert.equal(listedKey(record, new Date('2025-06-03T00:00:00.000Z')).status, 'expired');
});

test('resolveExpiry: durations, ISO dates in the future, and the two problems', () => {
  assert.deepEqual(resolveExpiry('90m', NOW), { at: '2025-06-01T11:30:00.000Z' });
  assert.deepEqual(resolveExpiry('2w', NOW), { at: '2025-06-15T10:00:00.000Z' });
  assert.deepEqual(resolveExpiry('2025-06-02', NOW), { at: '2025-06-02T00:00:00.000Z' });
  assert.deepEqual(resolveExpiry('2025-06-01T12:00:00+02:00', NOW), { problem: 'past' });
  assert.deepEqual(resolveExpiry('2025-05-01', NOW), { problem: 'past' });
  for (const bad of ['soon', '0d', '12', '2025-13-45', '', '1y']) {
    assert.deepEqual(resolveExpiry(bad, NOW), { problem: 'format' }, bad);
  }
});

test('revokeVirtualKey: revoked, already, missing; a second revoke keeps the first time', async () => {
  const keys = memoryKeys();
  const { record } = await createVirtualKey(keys, {}, { now: NOW, randomBytes: random });
  assert.equal(await revokeVirtualKey(keys, record.id, '2025-06-01T11:00:00.000Z'), 'revoked');
  assert.equal(await revokeVirtualKey(keys, record.id, '2025-06-01T12:00:00.000Z'), 'already');
  assert.equal(keys.records.get(record.id)!.revokedAt, '2025-06-01T11:00:00.000Z');
  assert.equal(await revokeVirtualKey(keys, 'nope', '2025-06-01T12:00:00.000Z'), 'missing');
});
