/**
 * Property tests: tokenize → restore is the identity on arbitrary text, whole or streamed in arbitrary
 * chunks; the restorer holds back only a placeholder prefix; tokenized text never contains a tokenized
 * value, also on the next turn of a conversation that grew.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  applyRedactions,
  createRestorer,
  emptyVault,
  type Finding,
  MIN_LITERAL_LENGTH,
  restoreText,
  type Segment,
  type TokenVault,
} from '../../src/index.ts';
import { finding, segmentsOf } from './helpers.ts';

const RUNS = 200;

/** Surrounding text: full Unicode (astral planes included), printable graphemes, ASCII, bracket soup. */
const textArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: fc.constantFrom('[', ']', '_', 'X', '1', ' ', 'P'), maxLength: 30 }),
);

/**
 * A sensitive value: at least 3 code units, no bracket, and at least one character that no placeholder
 * contains (so that "the output contains the value" can only mean a leak).
 */
const valueArb = fc
  .oneof(
    fc.string({ unit: 'binary', minLength: 3, maxLength: 12 }),
    fc.string({ unit: 'grapheme', minLength: 3, maxLength: 8 }),
    fc.string({ minLength: 3, maxLength: 16 }),
  )
  .filter((v) => v.length >= MIN_LITERAL_LENGTH && !/[[\]]/.test(v) && /[^A-Z0-9_:]/.test(v));

const typeArb = fc.constantFrom('EMAIL_ADDRESS', 'PERSON', 'US_SSN', 'phone-number');

/** One segment: pieces of text with values inserted between them, each value detected or missed. */
const segmentSpecArb = fc.record({
  inserts: fc.array(fc.record({ before: textArb, value: fc.nat(), type: typeArb, detected: fc.boolean() }), {
    maxLength: 6,
  }),
  tail: textArb,
});

const conversationArb = fc.record({
  values: fc.array(valueArb, { minLength: 1, maxLength: 5 }),
  segments: fc.array(segmentSpecArb, { minLength: 1, maxLength: 4 }),
});

type ConversationSpec = typeof conversationArb extends fc.Arbitrary<infer T> ? T : never;

interface Conversation {
  texts: string[];
  findings: Finding[];
}

function build(spec: ConversationSpec, firstSegment = 0): Conversation {
  const texts: string[] = [];
  const findings: Finding[] = [];
  spec.segments.forEach((segment, s) => {
    let text = '';
    for (const insert of segment.inserts) {
      text += insert.before;
      const value = spec.values[insert.value % spec.values.length]!;
      if (insert.detected)
        findings.push(finding(firstSegment + s, text.length, text.length + value.length, insert.type));
      text += value;
    }
    texts.push(text + segment.tail);
  });
  return { texts, findings };
}

/** Feeds `text` to a fresh restorer cut at `cuts`, checking the hold-back after every chunk. */
function restoreStreamed(text: string, cuts: number[], vault: TokenVault): string {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const restorer = createRestorer(vault);
  const placeholders = vault.entries.map((e) => e.placeholder);
  let out = '';
  let fed = 0;
  for (const point of [...points, text.length]) {
    out += restorer.push(text.slice(fed, point));
    fed = point;
    const held = restorer.pendingLength;
    assert.ok(held < Math.max(1, vault.maxPlaceholderLength), `held ${held} characters`);
    if (held > 0) {
      // What is held is exactly a proper prefix of a placeholder; anything else was emitted at once.
      const tail = text.slice(fed - held, fed);
      assert.ok(
        placeholders.some((p) => p.startsWith(tail) && p !== tail),
        `held \`${tail}\` is not a placeholder prefix`,
      );
    }
  }
  return out + restorer.flush();
}

function tokenize(texts: string[], findings: Finding[], vault: TokenVault) {
  const segments: Segment[] = segmentsOf(...texts);
  return applyRedactions(segments, [{ findings, mode: 'tokenize' }], vault);
}

function assertNoValue(texts: readonly string[], vault: TokenVault): void {
  for (const text of texts) {
    for (const { value, placeholder } of vault.entries) {
      if (value.length >= MIN_LITERAL_LENGTH)
        assert.ok(!text.includes(value), `value of ${placeholder} leaked`);
    }
  }
}

describe('redaction properties', () => {
  test('tokenize then restore is the identity, whole and streamed at arbitrary chunk boundaries', () => {
    fc.assert(
      fc.property(conversationArb, fc.array(fc.nat(), { maxLength: 12 }), (spec, cuts) => {
        const { texts, findings } = build(spec);
        const out = tokenize(texts, findings, emptyVault());
        out.texts.forEach((redacted, i) => {
          assert.equal(restoreText(redacted, out.vault), texts[i]);
          assert.equal(restoreStreamed(redacted, cuts, out.vault), texts[i]);
        });
      }),
      { numRuns: RUNS },
    );
  });

  test('the restorer emits the same text one code unit at a time', () => {
    fc.assert(
      fc.property(conversationArb, (spec) => {
        const { texts, findings } = build(spec);
        const out = tokenize(texts, findings, emptyVault());
        const redacted = out.texts.join('\n');
        const cuts = Array.from({ length: redacted.length }, (_, i) => i);
        assert.equal(restoreStreamed(redacted, cuts, out.vault), texts.join('\n'));
      }),
      { numRuns: RUNS / 2 },
    );
  });

  test('tokenized text never contains a tokenized value, also on the next turn', () => {
    fc.assert(
      fc.property(conversationArb, conversationArb, (turn1Spec, turn2Spec) => {
        const turn1 = build(turn1Spec);
        const first = tokenize(turn1.texts, turn1.findings, emptyVault());
        assertNoValue(first.texts, first.vault);

        // Turn 2: the earlier messages come back with real values (restored for the user) and no finding
        // on them; new messages bring new values, some of them detected.
        const turn2 = build(turn2Spec, turn1.texts.length);
        const texts = [...turn1.texts, ...turn2.texts];
        const second = tokenize(texts, turn2.findings, first.vault);
        assertNoValue(second.texts, second.vault);
        // Values of turn 1 keep their placeholders.
        for (const entry of first.vault.entries) assert.deepEqual(second.vault.byValue(entry.value), entry);
        second.texts.forEach((redacted, i) => {
          assert.equal(restoreText(redacted, second.vault), texts[i]);
        });
      }),
      { numRuns: RUNS },
    );
  });
});
