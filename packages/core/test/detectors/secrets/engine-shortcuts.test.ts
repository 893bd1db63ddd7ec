import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ALL_RULES } from '../../../src/detectors/secrets/engine.ts';
import { createSecretsDetector } from '../../../src/detectors/secrets/index.ts';
import { withoutAnsiBoundaries } from '../../../src/detectors/secrets/rule.ts';
import { measureRuns, minWordRun } from '../../../src/detectors/secrets/runs.ts';
import type { Finding } from '../../../src/model/finding.ts';

// The engine's shortcuts (word-run gate, ANSI-free patterns, one-pass PEM-line search) must never change
// what is found; these tests pin the pieces and compare with the plain regular-expression answers.

const detector = createSecretsDetector({});
function scan(text: string): Finding[] {
  return detector.inspect([{ index: 0, source: 'user', path: 'p', text }], {
    direction: 'input',
  }) as Finding[];
}

describe('minWordRun', () => {
  test('counts the word characters every match must hold in a row', () => {
    assert.equal(minWordRun('(?<![A-Za-z0-9_])(S[UAO][A-Z2-7]{56})(?![A-Za-z0-9_])'), 58);
    assert.equal(minWordRun('([a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8})'), 32);
    assert.equal(minWordRun('sk_(?:live|test)_[A-Za-z0-9]{10,247}'), 18);
    assert.equal(minWordRun('x{3}y?z'), 4, 'an optional word character may be absent, the rest still join');
    assert.equal(minWordRun('ab|abcd'), 2, 'the shorter alternative decides');
    assert.equal(minWordRun('(?:ab)+c'), 3);
    assert.equal(minWordRun('\\w{5}\\b'), 5);
  });

  test('anything not certainly made of word characters breaks a run', () => {
    assert.equal(minWordRun('a.b'), 1);
    assert.equal(minWordRun('[^a]{9}'), 0);
    assert.equal(minWordRun('[\\d-9]{10}'), 0, '`[\\d-9]` holds a dash');
    assert.equal(minWordRun('[A-Za-z0-9+/]{40}'), 0);
    assert.equal(minWordRun('a{0,9}'), 0);
  });

  test('unknown syntax gives 0 (the rule always runs)', () => {
    assert.equal(minWordRun('(a)\\1'), 0);
    assert.equal(minWordRun('(?<name>abc)'), 0);
    assert.equal(minWordRun('a{'), 0);
    assert.equal(minWordRun('\\u0041{9}'), 0);
  });

  test('rules that prose keywords switch on get the bound of their token', () => {
    const bound = (id: string) => ALL_RULES.find((r) => r.id === id)?.minRun;
    assert.equal(bound('secrets.nkey-seed'), 58); // keywords `su`, `sa`, `so`
    assert.equal(bound('secrets.mailgun-signing-key'), 32); // keyword `-`
    assert.equal(bound('secrets.twilio-api-key'), 34); // keyword `sk`
    assert.equal(bound('secrets.url-credentials'), 0); // no run is certain: always runs
    // A token longer than every bound is still reported (by the generic entropy rule).
    const long = scan(`token ${'Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7'.repeat(6)}`);
    assert.ok(long.length > 0);
  });
});

describe('measureRuns', () => {
  test('longest word run and standalone 64-character base64 tokens, as the regular expression finds them', () => {
    const line = 'Ab3/'.repeat(16);
    const texts = [
      '',
      'plain words only',
      `${line}\n${line}=\n=${line} x${line} ${line}+ ${line}`,
      `${'a'.repeat(63)} ${'b'.repeat(64)} ${'c'.repeat(65)} é${'d'.repeat(64)}é`,
      line,
    ];
    const re = /(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{64}(?![A-Za-z0-9+/=])/g;
    for (const text of texts) {
      const runs = measureRuns(text);
      assert.deepEqual(
        runs.pemStarts,
        [...text.matchAll(re)].map((m) => m.index),
        JSON.stringify(text.slice(0, 40)),
      );
      const longest = Math.max(0, ...(text.match(/[A-Za-z0-9_]+/g) ?? []).map((w) => w.length));
      assert.equal(runs.longestWord, longest);
    }
  });
});

describe('ANSI-free patterns', () => {
  test('the ANSI-escape alternative of a start boundary is dropped, and only that', () => {
    const B = '(?:(?<![A-Za-z0-9_])|(?<=\\x1b\\[[0-9;]{0,12}m))';
    assert.equal(withoutAnsiBoundaries(`${B}(ab)`, 'g')?.source, '(?<![A-Za-z0-9_])(ab)');
    assert.equal(withoutAnsiBoundaries('(ab)', 'g'), null);
    assert.equal(
      withoutAnsiBoundaries(`${B}a\\x1b`, 'g'),
      null,
      'an escape left in the pattern keeps the original',
    );
  });

  test('a key right after a colour code is still found, and the same key without one', () => {
    const key = `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`;
    const colored = scan(`\u001b[93m${key}\u001b[0m`);
    assert.deepEqual(
      colored.map((f) => [f.detector, f.span?.start]),
      [['secrets.stripe-secret-key', 5]],
    );
    assert.deepEqual(
      scan(`key ${key}`).map((f) => [f.detector, f.span?.start]),
      [['secrets.stripe-secret-key', 4]],
    );
  });
});
