import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadTokenizer, TokenizerFormatError } from '../../../src/detectors/external/tokenizer.ts';
import { createNormalizer, MAX_PIECE_CHARS } from '../../../src/detectors/external/unigram-tokenizer.ts';

type Vocab = [piece: string, score: number][];

/**
 * The normaliser and pre-tokeniser HuggingFace's converter writes for DeBERTa-v3 (without the Precompiled
 * map, tested on its own below): strip, collapse runs of spaces, `▁` before every word.
 */
const DEBERTA_NORMALIZER = {
  type: 'Sequence',
  normalizers: [
    { type: 'Strip', strip_left: true, strip_right: true },
    { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
  ],
};
const DEBERTA_PRE_TOKENIZER = {
  type: 'Sequence',
  pretokenizers: [
    { type: 'WhitespaceSplit' },
    { type: 'Metaspace', replacement: '▁', add_prefix_space: true, prepend_scheme: 'always' },
  ],
};
const CLS_SEP = {
  type: 'TemplateProcessing',
  single: [
    { SpecialToken: { id: '[CLS]', type_id: 0 } },
    { Sequence: { id: 'A', type_id: 0 } },
    { SpecialToken: { id: '[SEP]', type_id: 0 } },
  ],
  pair: [],
  special_tokens: {
    '[CLS]': { id: '[CLS]', ids: [1], tokens: ['[CLS]'] },
    '[SEP]': { id: '[SEP]', ids: [2], tokens: ['[SEP]'] },
  },
};

/**
 * A vocabulary where greedy longest-match and the best path disagree: on `▁abcd`, longest-match takes
 * `▁abc` then `d` (−1 − 5 = −6) while the best path is `▁ab` + `cd` (−1 − 1 = −2).
 */
const VOCAB: Vocab = [
  ['[UNK]', 0],
  ['[CLS]', 0],
  ['[SEP]', 0],
  ['[PAD]', 0],
  ['▁ab', -1],
  ['▁abc', -1],
  ['cd', -1],
  ['d', -5],
  ['a', -3],
  ['b', -3],
  ['c', -3],
  ['▁', -2],
  ['😀', -4],
];

function unigramJson(overrides: Record<string, unknown> = {}, vocab: Vocab = VOCAB): Record<string, unknown> {
  return {
    version: '1.0',
    normalizer: DEBERTA_NORMALIZER,
    pre_tokenizer: DEBERTA_PRE_TOKENIZER,
    post_processor: CLS_SEP,
    model: { type: 'Unigram', unk_id: 0, vocab, byte_fallback: false },
    ...overrides,
  };
}

/** Tokens as [piece, covered original text]. */
function pieces(text: string, json = unigramJson(), vocab: Vocab = VOCAB): [string, string][] {
  const out = loadTokenizer(json).tokenize(text);
  return out.ids.map((id, k) => [vocab[id]?.[0] ?? `#${id}`, text.slice(out.starts[k], out.ends[k])]);
}

describe('Unigram tokenizer (HuggingFace tokenizer.json, SentencePiece model)', () => {
  // The segmentations below were checked against sentencepiece 0.1.97 (spm) given the same pieces and
  // scores: it produced the same pieces for each of these texts.
  test('takes the best path, not the longest match', () => {
    assert.deepEqual(pieces('abcd'), [
      ['▁ab', 'ab'],
      ['cd', 'cd'],
    ]);
    // WhitespaceSplit drops the space; the `▁` put before "d" covers no original text.
    assert.deepEqual(pieces('abc d'), [
      ['▁abc', 'abc'],
      ['▁', ''],
      ['d', 'd'],
    ]);
    // Stripped, and runs of spaces collapsed before the words are marked.
    assert.deepEqual(
      pieces('  ab   abcd ').map(([p]) => p),
      ['▁ab', '▁ab', 'cd'],
    );
  });

  test('unknown characters become [UNK], consecutive ones fused, with their spans', () => {
    assert.deepEqual(pieces('xaby'), [
      ['▁', ''],
      ['[UNK]', 'x'],
      ['a', 'a'],
      ['b', 'b'],
      ['[UNK]', 'y'],
    ]);
    assert.deepEqual(pieces('ab xyz'), [
      ['▁ab', 'ab'],
      ['▁', ''],
      ['[UNK]', 'xyz'],
    ]);
  });

  test('astral-plane characters keep UTF-16 spans; a lone surrogate is an unknown character', () => {
    assert.deepEqual(pieces('a😀b 🙃'), [
      ['▁', ''],
      ['a', 'a'],
      ['😀', '😀'],
      ['b', 'b'],
      ['▁', ''],
      ['[UNK]', '🙃'],
    ]);
    const tok = loadTokenizer(unigramJson());
    assert.deepEqual(tok.tokenize('a\ud800'), { ids: [11, 8, 0], starts: [0, 0, 1], ends: [0, 1, 2] });
  });

  test('byte fallback spells an unknown character as <0xNN> pieces, or [UNK] when one is missing', () => {
    const bytes: Vocab = ['<0xF0>', '<0x9F>', '<0x99>', '<0x83>'].map((p) => [p, 0]);
    const vocab = [...VOCAB, ...bytes];
    const json = unigramJson({ model: { type: 'Unigram', unk_id: 0, vocab, byte_fallback: true } }, vocab);
    // 🙃 is U+1F643: F0 9F 99 83 in UTF-8; each byte piece carries the span of its character.
    assert.deepEqual(pieces('a🙃', json, vocab), [
      ['▁', ''],
      ['a', 'a'],
      ['<0xF0>', '🙃'],
      ['<0x9F>', '🙃'],
      ['<0x99>', '🙃'],
      ['<0x83>', '🙃'],
    ]);
    // x is 0x78, which has no byte piece: the character stays one unknown token.
    assert.deepEqual(pieces('ax', json, vocab).at(-1), ['[UNK]', 'x']);
  });

  test('special tokens come from TemplateProcessing: [CLS] … [SEP] (DeBERTa) and <s> … </s> (XLM-R)', () => {
    const deberta = loadTokenizer(unigramJson({ padding: null }));
    assert.deepEqual([deberta.kind, deberta.prefix, deberta.suffix, deberta.padId], ['unigram', [1], [2], 3]);
    const xlmrVocab: Vocab = [
      ['<s>', 0],
      ['<pad>', 0],
      ['</s>', 0],
      ['<unk>', 0],
      ['▁hello', -3],
    ];
    const xlmr = loadTokenizer({
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', add_prefix_space: true },
      post_processor: {
        type: 'TemplateProcessing',
        single: [
          { SpecialToken: { id: '<s>', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '</s>', type_id: 0 } },
        ],
        special_tokens: { '<s>': { id: '<s>', ids: [0] }, '</s>': { id: '</s>', ids: [2] } },
      },
      model: { type: 'Unigram', unk_id: 3, vocab: xlmrVocab },
    });
    assert.deepEqual([xlmr.prefix, xlmr.suffix, xlmr.padId], [[0], [2], 1]);
    assert.deepEqual(xlmr.tokenize('hello').ids, [4]);
  });

  test('Metaspace prepend schemes and split', () => {
    const vocab: Vocab = [
      ['[UNK]', 0],
      ['▁a', -1],
      ['a', -2],
      ['▁', -2],
      ['▁a▁a', -0.5],
    ];
    const ids = (pre: Record<string, unknown>, text: string) =>
      loadTokenizer({ pre_tokenizer: pre, model: { type: 'Unigram', unk_id: 0, vocab } })
        .tokenize(text)
        .ids.map((id) => vocab[id]?.[0]);
    const meta = { type: 'Metaspace', replacement: '▁' };
    assert.deepEqual(ids({ ...meta, prepend_scheme: 'always' }, 'a a'), ['▁a', '▁a']);
    assert.deepEqual(ids({ ...meta, prepend_scheme: 'never' }, 'a a'), ['a', '▁a']);
    assert.deepEqual(ids({ ...meta, add_prefix_space: false }, 'a a'), ['a', '▁a']);
    // `first`: only a split that starts the text gets the marker.
    const first = {
      type: 'Sequence',
      pretokenizers: [{ type: 'WhitespaceSplit' }, { ...meta, prepend_scheme: 'first' }],
    };
    assert.deepEqual(ids(first, 'a a'), ['▁a', 'a']);
    // Without the split at each `▁`, a piece may cross words.
    assert.deepEqual(ids({ ...meta, prepend_scheme: 'always', split: false }, 'a a'), ['▁a▁a']);
  });

  test('the Precompiled normaliser applies a real SentencePiece character map, keeping spans', () => {
    // Compiled by sentencepiece 0.1.97 (`spm_train --normalization_rule_tsv`) from five rules: Ａ → A,
    // ﬁ → fi, ① → 1, e + U+0301 → é, tab → space. `spm_normalize` gives "file A1 café x" for the text below.
    const charsmap =
      'AAQAAAAgAAAJDQAAAAAAgMwYAgCBBQAACQAAgJGEAgCgOQAArAwCAAIAAICBBQAABgAAgKEFAAAEAACADwAAAA4AAAARAAAAEAAAABMAAAASAAAAFQAAABQAAAAXAAAAFgAAALzUAgAYAAAAGwAAABoAAAAdAAAAHAAAAB8AAAAeAAAAIQAAACAAAAAjAAAAIgAAACUAAAAkAAAAJwAAACYAAAApAAAAKAAAACsAAAAqAAAALQAAACwAAAAvAAAALgAAADEAAAAwAAAAMwAAADIAAAA1AAAANAAAADcAAAA2AAAAOQAAADgAAAA7AAAAOgAAAD0AAAA8AAAAPwAAAD4AAABBAAAAQAAAAEMAAABCAAAARQAAAEQAAABHAAAARgAAAEkAAABIAAAASwAAAEoAAABNAAAATAAAAE8AAABOAAAAUQAAAFAAAABTAAAAUgAAAFUAAABUAAAAVwAAAFYAAABZAAAAWAAAAFsAAABaAAAAXQAAAFwAAABfAAAAXgAAAGEAAABgAAAAYwAAAGIAAABlAAAAZAAAAGcAAABmAAAAaQAAAGgAAABrAAAAagAAAG0AAABliAIAbwAAAG4AAABxAAAAcAAAAHMAAAByAAAAdQAAAHQAAAB3AAAAdgAAAHkAAAB4AAAAewAAAHoAAAB9AAAAfAAAAH8AAAB+AAAAgQAAAIAAAACDAAAAggAAAIUAAACEAAAAhwAAAIYAAACJAAAAiAAAAIsAAACKAAAAjQAAAIwAAACPAAAAjgAAAJEAAACQAAAAkwAAAJIAAACVAAAAlAAAAJcAAACWAAAAmQAAAJgAAACbAAAAmgAAAJ0AAACcAAAAnwAAAJ4AAAChAAAAoAAAAKMAAACiAAAApQAAAKQAAACnAAAApgAAAKkAAACoAAAAqwAAAKoAAACtAAAArAAAAK8AAACuAAAAsQAAALAAAACzAAAAsgAAALUAAAC0AAAAtwAAALYAAAC5AAAAuAAAALsAAAC6AAAAvQAAALwAAAC/AAAAvgAAAMEAAADAAAAAwwAAAMIAAADFAAAAxAAAAMcAAADGAAAAyQAAAMgAAADLAAAAygAAAM0AAADMAAAAzwAAAM4AAADRAAAA0AAAANMAAADSAAAA1QAAANQAAADXAAAA1gAAANkAAADYAAAA2wAAANoAAADdAAAA3AAAAN8AAADeAAAA4QAAAOAAAADjAAAA4gAAAOUAAADkAAAA5wAAAO8MAQDpAAAA6AAAAOL0AQDqAAAA7QAAAOwAAADvAAAA7gAAAPEAAADwAAAA8wAAAPIAAAD1AAAA9AAAAPcAAAD2AAAA+QAAAPgAAAD7AAAA+gAAAP0AAAD8AAAA/wAAAP4AAAAgADEAQQBmaQDDqQA=';
    const precompiled = { type: 'Precompiled', precompiled_charsmap: charsmap };
    const text = 'ﬁle\tＡ① cafe\u0301 x';
    const normalized = createNormalizer(precompiled)(text);
    assert.equal(normalized.text, 'file A1 café x');
    // Both letters of "fi" come from ﬁ; é comes from "e" + U+0301.
    assert.deepEqual(
      [...normalized.text].map((_, k) => text.slice(normalized.starts[k], normalized.ends[k])),
      ['ﬁ', 'ﬁ', 'l', 'e', '\t', 'Ａ', '①', ' ', 'c', 'a', 'f', 'e\u0301', ' ', 'x'],
    );
    const vocab: Vocab = [
      ['<unk>', 0],
      ['▁file', -2],
      ['▁a1', -2],
      ['▁café', -2],
      ['▁x', -2],
    ];
    const json = unigramJson(
      {
        normalizer: { type: 'Sequence', normalizers: [precompiled, { type: 'Lowercase' }] },
        post_processor: null,
        model: { type: 'Unigram', unk_id: 0, vocab },
      },
      vocab,
    );
    assert.deepEqual(pieces(text, json, vocab), [
      ['▁file', 'ﬁle'],
      ['▁a1', 'Ａ①'],
      ['▁café', 'cafe\u0301'],
      ['▁x', 'x'],
    ]);
  });

  test('Unicode normalisers keep spans: NFKC folds compatibility characters', () => {
    const nfkc = createNormalizer({ type: 'NFKC' });
    const text = 'Ｈé\u0301ﬁ①';
    const out = nfkc(text);
    assert.equal(out.text, text.normalize('NFKC'));
    assert.deepEqual(
      [...out.text].map((_, k) => text.slice(out.starts[k], out.ends[k])),
      ['Ｈ', 'é\u0301', 'é\u0301', 'ﬁ', 'ﬁ', '①'],
    );
    assert.equal(createNormalizer({ type: 'Lowercase' })('ÀB').text, 'àb');
  });

  test('refuses tokenizers it cannot reproduce, saying which part', () => {
    const refused = (overrides: Record<string, unknown>, message: RegExp) =>
      assert.throws(
        () => loadTokenizer(unigramJson(overrides)),
        (err: unknown) => err instanceof TokenizerFormatError && message.test(err.message),
      );
    refused({ normalizer: { type: 'BertNormalizer' } }, /unsupported tokenizer normalizer `BertNormalizer`/);
    refused({ pre_tokenizer: { type: 'ByteLevel' } }, /unsupported tokenizer pre_tokenizer `ByteLevel`/);
    refused(
      { normalizer: { type: 'Replace', pattern: { Regex: '(a+)+b' }, content: '' } },
      /unsupported tokenizer Replace regex/,
    );
    refused({ model: { type: 'Unigram', vocab: VOCAB } }, /unk_id/);
    refused({ model: { type: 'Unigram', unk_id: 0, vocab: [] } }, /non-empty list/);
    refused(
      { model: { type: 'Unigram', unk_id: 0, vocab: [...VOCAB, ['x'.repeat(MAX_PIECE_CHARS + 1), -1]] } },
      /longer than 64 characters/,
    );
    refused(
      { normalizer: { type: 'Precompiled', precompiled_charsmap: 'AAAAAA==' } },
      /Precompiled charsmap is malformed/,
    );
  });

  test('a megabyte is tokenised in linear time', () => {
    // Long pieces and no spaces: every position explores the deepest trie paths.
    const vocab: Vocab = [
      ['[UNK]', 0],
      ...Array.from({ length: 16 }, (_, k): [string, number] => ['a'.repeat(k + 1), -1 - k / 10]),
    ];
    const tok = loadTokenizer(unigramJson({}, vocab));
    for (const text of ['a'.repeat(1_000_000), 'ab '.repeat(333_334), 'e\u0301'.repeat(500_000)]) {
      const started = process.cpuUsage();
      const out = tok.tokenize(text);
      const used = process.cpuUsage(started);
      assert.ok(out.ids.length > 0);
      // Linear work is well under a second on one core; a quadratic pass over 10^6 characters takes hours.
      assert.ok(used.user + used.system < 5_000_000, `took ${(used.user + used.system) / 1000} ms of CPU`);
    }
  });
});
