import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { applyRedactions, emptyVault, restoreText, vaultFrom } from '../../src/index.ts';
import type { Finding } from '../../src/model/finding.ts';
import { finding, findingOf, hmac, segmentsOf } from './helpers.ts';

const EMAIL = 'alice@example.com';
const PHONE = '+44 20 7946 0958';

function tokenize(texts: string[], findings: Finding[], vault = emptyVault()) {
  return applyRedactions(segmentsOf(...texts), [{ findings, mode: 'tokenize' }], vault);
}

describe('applyRedactions: tokenize', () => {
  test('replaces a span with a numbered placeholder and records it in the vault', () => {
    const text = `mail ${EMAIL} now`;
    const out = tokenize([text], [findingOf(text, EMAIL, 'EMAIL_ADDRESS')]);
    assert.deepEqual(out.texts, ['mail [EMAIL_ADDRESS_1] now']);
    assert.deepEqual(out.vault.entries, [
      { placeholder: '[EMAIL_ADDRESS_1]', value: EMAIL, type: 'EMAIL_ADDRESS' },
    ]);
    assert.deepEqual(out.replaced, [
      {
        segment: 0,
        start: 5,
        end: 5 + EMAIL.length,
        type: 'EMAIL_ADDRESS',
        mode: 'tokenize',
        placeholder: '[EMAIL_ADDRESS_1]',
        origin: 'finding',
      },
    ]);
    assert.equal(restoreText(out.texts[0]!, out.vault), text);
  });

  test('numbers per type in order of first appearance across segments, same value same placeholder', () => {
    const t0 = `call ${PHONE} or write bob@x.org`;
    const t1 = `also carol@y.org and bob@x.org, phone ${PHONE}`;
    const findings = [
      // Given out of order on purpose: numbering follows the text, not the findings list.
      findingOf(t1, 'carol@y.org', 'EMAIL_ADDRESS', 1),
      findingOf(t0, 'bob@x.org', 'EMAIL_ADDRESS', 0),
      findingOf(t0, PHONE, 'PHONE_NUMBER', 0),
      finding(1, t1.lastIndexOf('bob@x.org'), t1.lastIndexOf('bob@x.org') + 9, 'EMAIL_ADDRESS'),
    ];
    const out = tokenize([t0, t1], findings);
    assert.deepEqual(out.texts, [
      'call [PHONE_NUMBER_1] or write [EMAIL_ADDRESS_1]',
      'also [EMAIL_ADDRESS_2] and [EMAIL_ADDRESS_1], phone [PHONE_NUMBER_1]',
    ]);
    assert.deepEqual(
      out.vault.entries.map((e) => e.placeholder),
      ['[PHONE_NUMBER_1]', '[EMAIL_ADDRESS_1]', '[EMAIL_ADDRESS_2]'],
    );
    // The phone number in segment 1 had no finding: it was replaced by literal search.
    const literal = out.replaced.filter((r) => r.origin === 'vault');
    assert.deepEqual(
      literal.map((r) => [r.segment, r.placeholder]),
      [[1, '[PHONE_NUMBER_1]']],
    );
  });

  test('is stable across turns: the vault of turn 1 gives the same placeholders in turn 2', () => {
    const user1 = `My email is ${EMAIL}, my name is Alice Martin.`;
    const turn1 = tokenize(
      [user1],
      [findingOf(user1, EMAIL, 'EMAIL_ADDRESS'), findingOf(user1, 'Alice Martin', 'PERSON')],
    );
    assert.deepEqual(turn1.texts, ['My email is [EMAIL_ADDRESS_1], my name is [PERSON_1].']);

    // Turn 2: the conversation grew. The assistant answer was restored for the user, so it holds real
    // values; the detector misses them there and finds only the new value in the new message.
    const assistant = `Hello Alice Martin, I will write to ${EMAIL}.`;
    const user2 = 'Copy bob@example.org too, and alice@example.com.';
    const turn2 = tokenize(
      [user1, assistant, user2],
      [findingOf(user1, EMAIL, 'EMAIL_ADDRESS', 0), findingOf(user2, 'bob@example.org', 'EMAIL_ADDRESS', 2)],
      turn1.vault,
    );
    assert.deepEqual(turn2.texts, [
      'My email is [EMAIL_ADDRESS_1], my name is [PERSON_1].',
      'Hello [PERSON_1], I will write to [EMAIL_ADDRESS_1].',
      'Copy [EMAIL_ADDRESS_2] too, and [EMAIL_ADDRESS_1].',
    ]);
    assert.deepEqual(turn2.vault.entries.slice(0, 2), turn1.vault.entries);
    assert.equal(turn2.vault.size, 3);
    assert.equal(turn2.vault.byValue('bob@example.org')?.placeholder, '[EMAIL_ADDRESS_2]');
    // The vault of turn 1 is unchanged (immutable).
    assert.equal(turn1.vault.size, 2);
  });

  test('an empty plan still re-applies the vault', () => {
    const vault = vaultFrom([{ placeholder: '[PERSON_1]', value: 'Alice Martin', type: 'PERSON' }]);
    const out = applyRedactions(segmentsOf('Thanks Alice Martin!'), [], vault);
    assert.deepEqual(out.texts, ['Thanks [PERSON_1]!']);
    assert.equal(out.vault, vault);
  });

  test('skips a number whose placeholder already appears literally in the input', () => {
    const text = `The template says [EMAIL_ADDRESS_1] and [EMAIL_ADDRESS_3]; mine is ${EMAIL}, also x@y.io`;
    const out = tokenize(
      [text],
      [findingOf(text, EMAIL, 'EMAIL_ADDRESS'), findingOf(text, 'x@y.io', 'EMAIL_ADDRESS')],
    );
    assert.deepEqual(out.texts, [
      'The template says [EMAIL_ADDRESS_1] and [EMAIL_ADDRESS_3]; mine is [EMAIL_ADDRESS_2], also [EMAIL_ADDRESS_4]',
    ]);
    assert.equal(restoreText(out.texts[0]!, out.vault), text);
  });

  test('skips a number already taken in the vault and in another segment', () => {
    const vault = vaultFrom([{ placeholder: '[PERSON_2]', value: 'Bob Stone', type: 'PERSON' }]);
    const out = tokenize(
      ['see [PERSON_1]', 'Ann Lee and Tom Hall'],
      [finding(1, 0, 7, 'PERSON'), finding(1, 12, 20, 'PERSON')],
      vault,
    );
    assert.deepEqual(out.texts, ['see [PERSON_1]', '[PERSON_3] and [PERSON_4]']);
  });

  test('merges overlapping and adjacent spans; the longest span gives the type', () => {
    const text = 'id 123-45-6789 end';
    const out = tokenize(
      [text],
      [finding(0, 3, 9, 'PHONE_NUMBER'), finding(0, 6, 14, 'US_SSN'), finding(0, 14, 15, 'OTHER')],
    );
    assert.deepEqual(out.texts, ['id [US_SSN_1]end']);
    assert.deepEqual(out.vault.entries, [
      { placeholder: '[US_SSN_1]', value: '123-45-6789 ', type: 'US_SSN' },
    ]);
  });

  test('merge ties on length go to the earlier start, then to plan order', () => {
    const out = tokenize(['abcdefgh'], [finding(0, 2, 6, 'SECOND'), finding(0, 0, 4, 'FIRST')]);
    assert.deepEqual(out.texts, ['[FIRST_1]gh']);
    const same = applyRedactions(
      segmentsOf('abcdef'),
      [
        { findings: [finding(0, 0, 3, 'A_TYPE')], mode: 'tokenize' },
        { findings: [finding(0, 0, 3, 'B_TYPE')], mode: 'tokenize' },
      ],
      emptyVault(),
    );
    assert.deepEqual(same.texts, ['[A_TYPE_1]def']);
  });

  test('values shorter than 3 characters are not replaced by literal search', () => {
    const text = 'Al met Al and Bob met Bob';
    const out = tokenize([text], [finding(0, 0, 2, 'PERSON'), finding(0, 14, 17, 'PERSON')]);
    assert.deepEqual(out.texts, ['[PERSON_1] met Al and [PERSON_2] met [PERSON_2]']);
  });

  test('literal search does not match inside placeholders or across detected regions', () => {
    const vault = vaultFrom([
      { placeholder: '[ORG_1]', value: 'ADDRESS', type: 'ORG' },
      { placeholder: '[PERSON_1]', value: 'Alice Smith', type: 'PERSON' },
    ]);
    const text = 'EMAIL ADDRESS of Alice Smith Ltd is a@b.co';
    const out = applyRedactions(
      segmentsOf(text),
      [
        {
          findings: [findingOf(text, 'Smith Ltd', 'ORG'), findingOf(text, 'a@b.co', 'EMAIL_ADDRESS')],
          mode: 'tokenize',
        },
      ],
      vault,
    );
    // `Alice Smith` overlaps the detected `Smith Ltd`: the detected region wins; `ADDRESS` is found in the
    // input but not inside the placeholder `[EMAIL_ADDRESS_1]` put there.
    assert.deepEqual(out.texts, ['EMAIL [ORG_1] of Alice [ORG_2] is [EMAIL_ADDRESS_1]']);
  });

  test('never splits a surrogate pair', () => {
    const text = 'a😀b😀c';
    // Spans that start and end in the middle of the emoji: widened to whole code points.
    const out = tokenize([text], [finding(0, 2, 5, 'EMOJI')]);
    assert.deepEqual(out.texts, ['a[EMOJI_1]c']);
    assert.equal(out.vault.entries[0]!.value, '😀b😀');
    assert.deepEqual([out.replaced[0]!.start, out.replaced[0]!.end], [1, 6]);
    assert.equal(restoreText(out.texts[0]!, out.vault), text);
  });

  test('normalises odd types into a placeholder label', () => {
    const text = 'key AKIA1234567890ABCDEF';
    const out = tokenize([text], [findingOf(text, 'AKIA1234567890ABCDEF', 'aws-access-key')]);
    assert.deepEqual(out.texts, ['key [AWS_ACCESS_KEY_1]']);
    assert.equal(out.replaced[0]!.type, 'aws-access-key');
  });

  test('handles empty input', () => {
    assert.deepEqual(applyRedactions([], [], emptyVault()), { texts: [], vault: emptyVault(), replaced: [] });
    const out = tokenize([''], [finding(0, 0, 0)]);
    assert.deepEqual(out.texts, ['']);
    assert.equal(out.vault.size, 0);
    assert.deepEqual(out.replaced, []);
  });

  test('ignores findings about the whole interaction and does not mutate its input', () => {
    const segments = segmentsOf(`x ${EMAIL}`);
    const whole: Finding = {
      family: 'topics',
      type: 'legal',
      score: 0.8,
      segment: null,
      span: null,
      detector: 't',
    };
    const plan = [{ findings: [whole, finding(0, 2, 2 + EMAIL.length)], mode: 'tokenize' as const }];
    const snapshot = structuredClone({ segments, plan });
    const out = applyRedactions(segments, plan, emptyVault());
    assert.deepEqual(out.texts, ['x [EMAIL_ADDRESS_1]']);
    assert.deepEqual({ segments, plan }, snapshot);
  });

  test('uses segment indexes, not array positions, to place findings', () => {
    const segments = [
      { index: 7, source: 'user' as const, path: 'a', text: 'mail a@b.com' },
      { index: 3, source: 'user' as const, path: 'b', text: 'hello' },
    ];
    const out = applyRedactions(segments, [{ findings: [finding(7, 5, 12)], mode: 'mask' }], emptyVault());
    assert.deepEqual(out.texts, ['mail [EMAIL_ADDRESS]', 'hello']);
    assert.equal(out.replaced[0]!.segment, 7);
  });

  test('redacts 1 MB of input in reasonable time', () => {
    const line = 'Contact alice.martin@example.com or +44 20 7946 0958 about order 12345. ';
    const text = line.repeat(Math.ceil((1 << 20) / line.length));
    // A finding on every other e-mail address; the rest is caught by literal search.
    const findings: Finding[] = [];
    let n = 0;
    for (let at = text.indexOf('alice'); at !== -1; at = text.indexOf('alice', at + 1)) {
      if (n++ % 2 === 0) findings.push(finding(0, at, at + 24, 'EMAIL_ADDRESS'));
    }
    const history = 'Earlier I mentioned bob.stone@example.org and Bob Stone. '.repeat(2000);
    const vault = vaultFrom([
      { placeholder: '[EMAIL_ADDRESS_1]', value: 'bob.stone@example.org', type: 'EMAIL_ADDRESS' },
      { placeholder: '[PERSON_1]', value: 'Bob Stone', type: 'PERSON' },
    ]);
    const started = performance.now();
    const out = applyRedactions(segmentsOf(text, history), [{ findings, mode: 'tokenize' }], vault);
    const elapsed = performance.now() - started;
    assert.equal(out.texts[0]!.includes('alice.martin@example.com'), false);
    assert.equal(out.texts[1]!.includes('Bob Stone'), false);
    assert.equal(restoreText(out.texts[0]!, out.vault), text);
    assert.ok(elapsed < 5000, `took ${elapsed.toFixed(0)} ms`);
  });
});

describe('applyRedactions: mask and hash', () => {
  test('mask gives [TYPE] and keeps nothing in the vault', () => {
    const text = `card 4111 1111 1111 1111 and ${EMAIL}`;
    const out = applyRedactions(
      segmentsOf(text),
      [
        {
          findings: [
            findingOf(text, '4111 1111 1111 1111', 'CREDIT_CARD'),
            findingOf(text, EMAIL, 'EMAIL_ADDRESS'),
          ],
          mode: 'mask',
        },
      ],
      emptyVault(),
    );
    assert.deepEqual(out.texts, ['card [CREDIT_CARD] and [EMAIL_ADDRESS]']);
    assert.equal(out.vault.size, 0);
    assert.deepEqual(
      out.replaced.map((r) => [r.mode, r.placeholder]),
      [
        ['mask', '[CREDIT_CARD]'],
        ['mask', '[EMAIL_ADDRESS]'],
      ],
    );
  });

  test('hash gives [TYPE:8 hex] from the hash function: linkable, irreversible', () => {
    const text = `${EMAIL} wrote to ${EMAIL} and bob@example.org`;
    const findings = [
      finding(0, 0, EMAIL.length),
      finding(0, EMAIL.length + 10, 2 * EMAIL.length + 10),
      findingOf(text, 'bob@example.org', 'EMAIL_ADDRESS'),
    ];
    const out = applyRedactions(segmentsOf(text), [{ findings, mode: 'hash' }], emptyVault(), { hash: hmac });
    const a = hmac(EMAIL).slice(0, 8);
    const b = hmac('bob@example.org').slice(0, 8);
    assert.deepEqual(out.texts, [
      `[EMAIL_ADDRESS:${a}] wrote to [EMAIL_ADDRESS:${a}] and [EMAIL_ADDRESS:${b}]`,
    ]);
    assert.equal(out.vault.size, 0);
  });

  test('the hash mode needs a hash function returning hex', () => {
    const plan = [{ findings: [finding(0, 0, 3)], mode: 'hash' as const }];
    assert.throws(() => applyRedactions(segmentsOf('abcdef'), plan, emptyVault()), TypeError);
    assert.throws(
      () => applyRedactions(segmentsOf('abcdef'), plan, emptyVault(), { hash: () => 'not-hex!' }),
      /hexadecimal/,
    );
    const upper = applyRedactions(segmentsOf('abcdef'), plan, emptyVault(), { hash: () => 'ABCDEF0123' });
    assert.deepEqual(upper.texts, ['[EMAIL_ADDRESS:abcdef01]def']);
  });

  test('precedence: mask wins over hash wins over tokenize, also for merged regions', () => {
    const text = 'aaaa bbbb cccc dddd';
    const out = applyRedactions(
      segmentsOf(text),
      [
        {
          findings: [finding(0, 0, 4, 'T'), finding(0, 5, 9, 'T'), finding(0, 10, 14, 'T')],
          mode: 'tokenize',
        },
        { findings: [finding(0, 5, 9, 'H'), finding(0, 10, 14, 'H'), finding(0, 15, 17, 'H')], mode: 'hash' },
        { findings: [finding(0, 10, 14, 'M'), finding(0, 17, 19, 'M')], mode: 'mask' },
      ],
      emptyVault(),
      { hash: () => '0123456789abcdef' },
    );
    // 0-4 tokenize only; 5-9 hash beats tokenize; 10-14 mask beats both; 15-17 + 17-19 merge (adjacent)
    // into one region that is masked, typed H (tie on length, earlier start).
    assert.deepEqual(out.texts, ['[T_1] [T:01234567] [T] [H]']);
    assert.deepEqual(out.vault.entries, [{ placeholder: '[T_1]', value: 'aaaa', type: 'T' }]);
  });

  test('a mask placeholder is never reused as a token', () => {
    const out = applyRedactions(
      segmentsOf('abc def'),
      [
        { findings: [finding(0, 0, 3, 'X_1')], mode: 'mask' },
        { findings: [finding(0, 4, 7, 'X')], mode: 'tokenize' },
      ],
      emptyVault(),
    );
    assert.deepEqual(out.texts, ['[X_1] [X_2]']);
  });
});

describe('applyRedactions: bad input', () => {
  test('a finding outside the segments or its text is a RangeError', () => {
    const segments = segmentsOf('short');
    assert.throws(
      () => applyRedactions(segments, [{ findings: [finding(4, 0, 1)], mode: 'mask' }], emptyVault()),
      /points to segment `4`/,
    );
    assert.throws(
      () => applyRedactions(segments, [{ findings: [finding(0, 2, 9)], mode: 'mask' }], emptyVault()),
      /finding 0 of plan item 0 has the span `\[2, 9\)`/,
    );
    assert.throws(
      () => applyRedactions(segments, [{ findings: [finding(0, 3, 2)], mode: 'mask' }], emptyVault()),
      RangeError,
    );
  });

  test('an unknown mode or a vault that is not a TokenVault is a TypeError', () => {
    const plan = [{ findings: [], mode: 'shred' as unknown as 'mask' }];
    assert.throws(() => applyRedactions(segmentsOf('x'), plan, emptyVault()), /unknown mode `shred`/);
    const fake = { entries: [] } as unknown as ReturnType<typeof emptyVault>;
    assert.throws(() => applyRedactions(segmentsOf('x'), [], fake), /must be a TokenVault/);
  });
});
