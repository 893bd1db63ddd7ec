import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { createRestorer, emptyVault, type Restorer, restoreText, vaultFrom } from '../../src/index.ts';

const VAULT = vaultFrom([
  { placeholder: '[EMAIL_ADDRESS_1]', value: 'alice@example.com', type: 'EMAIL_ADDRESS' },
  { placeholder: '[PERSON_1]', value: 'Alice Martin', type: 'PERSON' },
  { placeholder: '[PERSON_12]', value: 'Bob Stone', type: 'PERSON' },
  { placeholder: '[US_SSN_1]', value: '[PERSON_1]', type: 'US_SSN' },
]);

/** Pushes every chunk, then flushes; returns what was emitted at each step. */
function run(restorer: Restorer, chunks: string[]): string[] {
  return [...chunks.map((c) => restorer.push(c)), restorer.flush()];
}

describe('restoreText', () => {
  test('replaces every known placeholder with its value', () => {
    assert.equal(
      restoreText('Dear [PERSON_1] ([EMAIL_ADDRESS_1]), [PERSON_12][PERSON_1]!', VAULT),
      'Dear Alice Martin (alice@example.com), Bob StoneAlice Martin!',
    );
  });

  test('leaves unknown, mangled, mask and hash placeholders as they are', () => {
    const text =
      '[PERSON_2] [person_1] PERSON_1 [ PERSON_1 ] [PERSON_1 [[PERSON_1]] [PERSON] [PERSON:abcd1234] [PERSON_01]';
    assert.equal(
      restoreText(text, VAULT),
      '[PERSON_2] [person_1] PERSON_1 [ PERSON_1 ] [PERSON_1 [Alice Martin] [PERSON] [PERSON:abcd1234] [PERSON_01]',
    );
  });

  test('does not restore a restored value again', () => {
    assert.equal(restoreText('ssn [US_SSN_1]', VAULT), 'ssn [PERSON_1]');
  });

  test('with an empty vault or an empty text is the identity', () => {
    assert.equal(restoreText('[PERSON_1]', emptyVault()), '[PERSON_1]');
    assert.equal(restoreText('', VAULT), '');
  });
});

describe('createRestorer', () => {
  test('emits text that cannot start a placeholder at once', () => {
    const r = createRestorer(VAULT);
    assert.equal(r.push('Hello '), 'Hello ');
    assert.equal(r.push('[x] and [PERSON_3'), '[x] and [PERSON_3');
    assert.equal(r.push('[lower'), '[lower');
    assert.equal(r.pendingLength, 0);
  });

  test('holds back only a possible placeholder prefix, and restores it once complete', () => {
    const r = createRestorer(VAULT);
    assert.equal(r.push('Dear [PER'), 'Dear ');
    assert.equal(r.pendingLength, 4);
    assert.equal(r.push('SON_1'), '');
    assert.equal(r.push(']'), 'Alice Martin');
    assert.equal(r.push(', [PERSON_1'), ', ');
    // `[PERSON_1` may still become `[PERSON_12]`.
    assert.equal(r.push('2] bye'), 'Bob Stone bye');
    assert.equal(r.flush(), '');
  });

  test('a prefix that turns out not to be a placeholder is released as is', () => {
    const r = createRestorer(VAULT);
    assert.deepEqual(run(r, ['x [EMAIL', '_ADDRESS_2] y']), ['x ', '[EMAIL_ADDRESS_2] y', '']);
    assert.deepEqual(run(r, ['tail [EMAIL_ADD']), ['tail ', '[EMAIL_ADD']);
    assert.deepEqual(run(r, ['[PERSON', '[PERSON_1]']), ['', '[PERSONAlice Martin', '']);
  });

  test('restores a placeholder split at every position, one character at a time too', () => {
    const text = 'a [EMAIL_ADDRESS_1] b [PERSON_12]';
    const expected = restoreText(text, VAULT);
    for (let i = 0; i <= text.length; i++) {
      const out = run(createRestorer(VAULT), [text.slice(0, i), text.slice(i)]).join('');
      assert.equal(out, expected, `split at ${i}`);
    }
    assert.equal(run(createRestorer(VAULT), [...text]).join(''), expected);
  });

  test('keeps channels apart: one restorer per channel', () => {
    const answer = createRestorer(VAULT);
    const tool = createRestorer(VAULT);
    assert.equal(answer.push('Hi [PERS'), 'Hi ');
    assert.equal(tool.push('{"to":"[EMAIL_'), '{"to":"');
    assert.equal(answer.push('ON_1]'), 'Alice Martin');
    assert.equal(tool.push('ADDRESS_1]"}'), 'alice@example.com"}');
  });

  test('with an empty vault holds nothing back', () => {
    const r = createRestorer(emptyVault());
    assert.equal(r.push('['), '[');
    assert.equal(r.pendingLength, 0);
    assert.equal(r.flush(), '');
  });

  test('rejects chunks that are not strings', () => {
    assert.throws(() => createRestorer(VAULT).push(42 as unknown as string), TypeError);
  });

  test('is linear: 1 MB in tiny chunks, full of brackets', () => {
    const unit = '[PERSON_1] [PERSON_ [[[[ [EMAIL_ADDRESS_1] x';
    const text = unit.repeat(Math.ceil((1 << 20) / unit.length));
    const started = performance.now();
    const r = createRestorer(VAULT);
    const parts: string[] = [];
    for (let i = 0; i < text.length; i += 7) parts.push(r.push(text.slice(i, i + 7)));
    parts.push(r.flush());
    const elapsed = performance.now() - started;
    assert.equal(parts.join(''), restoreText(text, VAULT));
    assert.ok(elapsed < 5000, `took ${elapsed.toFixed(0)} ms`);
  });
});
