import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyVault, isTokenPlaceholder, TokenVault, TokenVaultEntry, vaultFrom } from '../../src/index.ts';

const ENTRIES = [
  { placeholder: '[EMAIL_ADDRESS_1]', value: 'alice@example.com', type: 'EMAIL_ADDRESS' },
  { placeholder: '[PERSON_10]', value: 'Alice Martin', type: 'PERSON' },
];

describe('TokenVault', () => {
  test('looks entries up by value and by placeholder', () => {
    const vault = vaultFrom(ENTRIES);
    assert.equal(vault.size, 2);
    assert.deepEqual(vault.byValue('Alice Martin'), ENTRIES[1]);
    assert.deepEqual(vault.byPlaceholder('[EMAIL_ADDRESS_1]'), ENTRIES[0]);
    assert.equal(vault.byValue('alice@example.co'), undefined);
    assert.equal(vault.byPlaceholder('[PERSON_1]'), undefined);
    assert.equal(vault.maxPlaceholderLength, '[EMAIL_ADDRESS_1]'.length);
  });

  test('is immutable and does not share the array it was built from', () => {
    const input = ENTRIES.map((e) => ({ ...e }));
    const vault = vaultFrom(input);
    input[0]!.value = 'changed';
    assert.equal(vault.entries[0]!.value, 'alice@example.com');
    assert.ok(Object.isFrozen(vault) && Object.isFrozen(vault.entries) && Object.isFrozen(vault.entries[0]));
    assert.throws(() => {
      (vault.entries as unknown as unknown[]).push({});
    }, TypeError);
  });

  test('serialises to { entries } and back', () => {
    const vault = vaultFrom(ENTRIES);
    const json = JSON.stringify(vault);
    assert.deepEqual(JSON.parse(json), { entries: ENTRIES });
    const back = vaultFrom(TokenVaultEntry.array().parse(JSON.parse(json).entries));
    assert.deepEqual(back.entries, vault.entries);
    assert.ok(back instanceof TokenVault);
  });

  test('emptyVault has no entries and holds nothing back', () => {
    assert.equal(emptyVault().size, 0);
    assert.equal(emptyVault().maxPlaceholderLength, 0);
    assert.equal(vaultFrom([]), emptyVault());
  });

  test('rejects malformed entries without quoting values', () => {
    const secret = 'hunter2-secret-value';
    assert.throws(
      () => vaultFrom([{ placeholder: 'PERSON_1', value: secret, type: 'PERSON' }]),
      /malformed placeholder/,
    );
    assert.throws(() => vaultFrom([{ placeholder: '[PERSON_0]', value: secret, type: 'PERSON' }]), TypeError);
    assert.throws(() => vaultFrom([{ placeholder: '[PERSON_1]', value: '', type: 'PERSON' }]), /non-empty/);
    assert.throws(
      () =>
        vaultFrom([
          { placeholder: '[PERSON_1]', value: secret, type: 'PERSON' },
          { placeholder: '[PERSON_1]', value: 'other', type: 'PERSON' },
        ]),
      /repeats the placeholder `\[PERSON_1\]`/,
    );
    assert.throws(
      () =>
        vaultFrom([
          { placeholder: '[PERSON_1]', value: secret, type: 'PERSON' },
          { placeholder: '[PERSON_2]', value: secret, type: 'PERSON' },
        ]),
      (error: Error) => error instanceof TypeError && !error.message.includes(secret),
    );
    assert.throws(() => vaultFrom(null as unknown as []), /must be an array/);
    assert.throws(() => vaultFrom([null as unknown as TokenVaultEntry]), /must be an object/);
  });
});

describe('isTokenPlaceholder', () => {
  test('accepts [LABEL_N] only', () => {
    for (const ok of ['[A_1]', '[EMAIL_ADDRESS_1]', '[US_SSN_42]', '[S9_3]', '[A__7]']) {
      assert.equal(isTokenPlaceholder(ok), true, ok);
    }
    for (const bad of [
      '[A]',
      '[_1]',
      '[A_0]',
      '[A_01]',
      '[a_1]',
      '[A_1',
      'A_1]',
      '[A-B_1]',
      '[A_1 ]',
      '[A_]',
      '',
    ]) {
      assert.equal(isTokenPlaceholder(bad), false, bad);
    }
  });
});
