import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { estimateTokens, MAX_TOKENIZED_BYTES, warmTokenizer } from '../../src/observability/tokens.ts';

type ReferenceEncoder = { encode(t: string, a: string[], d: string[]): number[] };
let reference: ReferenceEncoder | null = null;

/** js-tiktoken's own encoder, as the reference the fast counter must agree with. */
function referenceCount(text: string): number {
  if (reference === null) {
    const require = createRequire(import.meta.url);
    const { Tiktoken } = require('js-tiktoken/lite') as {
      Tiktoken: new (ranks: unknown) => ReferenceEncoder;
    };
    reference = new Tiktoken(require('js-tiktoken/ranks/o200k_base'));
  }
  return reference.encode(text, [], []).length;
}

const SAMPLES = [
  'The quick brown fox jumps over the lazy dog.',
  'def square(x):\n    return x ** 2  # squared\n\n\n',
  "It's they're we've I'm HELLO World's DON'T",
  '  leading   spaces\t\ttabs\r\nand CRLF\r\n',
  'Numbers: 12345678901, 3.14159, 1e10, -42',
  '😀👍🏽 café naïve Ünïcödé façade',
  'Привет, мир! Как дела? Γειά σου κόσμε',
  '人工智能安全网关检查所有流量并记录事件。',
  'https://example.com/a/b?c=d&e=f#g <tag attr="v"/>',
  '<|endoftext|> special-token text counts as text <|endofprompt|>',
  'a'.repeat(60),
  '\n\n\n  \n',
];

describe('estimateTokens', () => {
  test('agrees exactly with js-tiktoken o200k_base on ordinary inputs', () => {
    warmTokenizer();
    for (const sample of SAMPLES) {
      assert.equal(estimateTokens([sample]), referenceCount(sample), JSON.stringify(sample));
    }
    assert.equal(
      estimateTokens(SAMPLES),
      SAMPLES.reduce((sum, s) => sum + referenceCount(s), 0),
    );
  });

  test('is reasonable for English prose and deterministic', () => {
    const prose =
      'Parapet sits between applications and language model providers. It inspects every request, applies ' +
      'the organisation policy, and records an event so that administrators can see who used which model.';
    const first = estimateTokens([prose]);
    assert.equal(estimateTokens([prose]), first);
    // English averages about four characters per token.
    assert.ok(
      first > prose.length / 6 && first < prose.length / 3,
      `${first} tokens for ${prose.length} chars`,
    );
    assert.equal(estimateTokens([prose, prose]), 2 * first);
  });

  test('empty input is zero tokens', () => {
    assert.equal(estimateTokens([]), 0);
    assert.equal(estimateTokens(['', '']), 0);
  });

  test('long unspaced runs are counted in slices and stay close to the exact count', () => {
    // Kept short: the reference encoder is quadratic in the run length.
    for (const run of ['identifierwithoutanyspaces'.repeat(12), '人工智能安全网关检查所有流量'.repeat(12)]) {
      const exact = referenceCount(run);
      const estimate = estimateTokens([run]);
      assert.ok(Math.abs(estimate - exact) / exact < 0.15, `${estimate} vs ${exact}`);
    }
  });

  test('inputs over 1 MB use ceil(chars / 4)', () => {
    const half = 'word '.repeat(MAX_TOKENIZED_BYTES / 10 + 1);
    assert.equal(estimateTokens([half, half]), Math.ceil((2 * half.length) / 4));
    // Multi-byte text crosses the byte budget with fewer characters.
    const cjk = '字'.repeat(Math.ceil(MAX_TOKENIZED_BYTES / 3) + 1);
    assert.equal(estimateTokens([cjk]), Math.ceil(cjk.length / 4));
  });
});
