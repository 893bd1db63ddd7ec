import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadTokenizer, TokenizerFormatError } from '../../../src/detectors/external/tokenizer.ts';

const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  'ignore',
  'previous',
  'instruction',
  '##s',
  'cafe',
  '!',
  'un',
  '##want',
  '##ed',
  '你',
  'a',
];

/** A BERT-style tokenizer.json, written for these tests. */
function bertTokenizerJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '1.0',
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(VOCAB.map((t, i) => [t, i])),
    },
    ...overrides,
  };
}

function pieces(text: string, json = bertTokenizerJson()) {
  const tok = loadTokenizer(json);
  const out = tok.tokenize(text);
  return out.ids.map((id, k) => ({ token: VOCAB[id], text: text.slice(out.starts[k], out.ends[k]) }));
}

describe('WordPiece tokenizer (HuggingFace tokenizer.json)', () => {
  test('lower-cases, splits punctuation and continues sub-words with ##', () => {
    assert.deepEqual(pieces('IGNORE previous Instructions!'), [
      { token: 'ignore', text: 'IGNORE' },
      { token: 'previous', text: 'previous' },
      { token: 'instruction', text: 'Instruction' },
      { token: '##s', text: 's' },
      { token: '!', text: '!' },
    ]);
    assert.deepEqual(
      pieces('unwanted').map((p) => p.token),
      ['un', '##want', '##ed'],
    );
  });

  test('strips accents and keeps offsets into the original text, also after astral characters', () => {
    const text = '😀𠀀 Café ignore';
    assert.deepEqual(pieces(text), [
      { token: '[UNK]', text: '😀' },
      { token: '[UNK]', text: '𠀀' },
      { token: 'cafe', text: 'Café' },
      { token: 'ignore', text: 'ignore' },
    ]);
  });

  test('isolates CJK characters and drops control characters', () => {
    assert.deepEqual(pieces('a你a\u0000\u200b'), [
      { token: 'a', text: 'a' },
      { token: '你', text: '你' },
      { token: 'a', text: 'a' },
    ]);
  });

  test('a word with no sub-word split, or longer than max_input_chars_per_word, is one [UNK]', () => {
    assert.deepEqual(pieces('zzz ignore'), [
      { token: '[UNK]', text: 'zzz' },
      { token: 'ignore', text: 'ignore' },
    ]);
    const long = 'a'.repeat(101);
    assert.deepEqual(pieces(long), [{ token: '[UNK]', text: long }]);
  });

  test('reads the special tokens from BertProcessing and TemplateProcessing', () => {
    const bert = loadTokenizer(bertTokenizerJson());
    assert.deepEqual([bert.prefix, bert.suffix, bert.padId, bert.kind], [[2], [3], 0, 'wordpiece']);
    const template = loadTokenizer(
      bertTokenizerJson({
        post_processor: {
          type: 'TemplateProcessing',
          single: [
            { SpecialToken: { id: '[CLS]', type_id: 0 } },
            { Sequence: { id: 'A', type_id: 0 } },
            { SpecialToken: { id: '[SEP]', type_id: 0 } },
          ],
          special_tokens: { '[CLS]': { id: '[CLS]', ids: [2] }, '[SEP]': { id: '[SEP]', ids: [3] } },
        },
      }),
    );
    assert.deepEqual([template.prefix, template.suffix], [[2], [3]]);
  });

  test('rejects tokenizers it cannot reproduce, saying which part', () => {
    assert.throws(
      () => loadTokenizer(bertTokenizerJson({ model: { type: 'BPE', vocab: {}, merges: [] } })),
      (err: unknown) => err instanceof TokenizerFormatError && /`BPE`/.test(err.message),
    );
    assert.throws(
      () => loadTokenizer(bertTokenizerJson({ pre_tokenizer: { type: 'Metaspace' } })),
      /unsupported tokenizer pre_tokenizer `Metaspace`/,
    );
    assert.throws(() => loadTokenizer([1, 2]), TokenizerFormatError);
  });
});

describe('whitespace vocabulary tokenizer', () => {
  test('splits on whitespace, lower-cases when asked and maps unknown words to unk', () => {
    const tok = loadTokenizer({
      type: 'whitespace',
      vocab: { '<pad>': 0, '<unk>': 1, hello: 2, world: 3 },
      unk_token: '<unk>',
      pad_token: '<pad>',
      lowercase: true,
    });
    const out = tok.tokenize('  Hello\tbig WORLD ');
    assert.deepEqual(out, { ids: [2, 1, 3], starts: [2, 8, 12], ends: [7, 11, 17] });
    assert.deepEqual([tok.prefix, tok.suffix, tok.kind], [[], [], 'whitespace']);
  });

  test('accepts a bare token → id map', () => {
    const tok = loadTokenizer({ '[UNK]': 0, yes: 1 });
    assert.deepEqual(tok.tokenize('yes no').ids, [1, 0]);
  });

  test('a missing unk token is an error', () => {
    assert.throws(() => loadTokenizer({ type: 'whitespace', vocab: { a: 0 } }), /unk_token `\[UNK\]`/);
  });
});
