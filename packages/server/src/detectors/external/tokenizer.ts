/**
 * Text tokenisers for the ONNX classifiers, written here so no tokeniser package (or network download) is
 * needed: HuggingFace `tokenizer.json` files with a WordPiece model (BERT, DistilBERT, MiniLM, …) or a
 * SentencePiece Unigram model (DeBERTa-v3, mDeBERTa, XLM-R; see unigram-tokenizer.ts), and a simple
 * whitespace vocabulary JSON. Every token keeps the UTF-16 span of the original text it came from, so a
 * classifier's window can be reported as a span.
 */

import { unigramFromHf } from './unigram-tokenizer.ts';

/** Content tokens of one text (no special tokens), with their spans in the original text. */
export interface TokenizedText {
  ids: number[];
  /** UTF-16 offset where each token starts in the original text. */
  starts: number[];
  /** UTF-16 offset where each token ends (exclusive). */
  ends: number[];
}

/** A tokenizer as the classifier uses it. */
export interface TextTokenizer {
  /** `wordpiece`, `unigram` or `whitespace`. */
  readonly kind: string;
  /** Token ids put before the content of every window (e.g. `[CLS]`). */
  readonly prefix: readonly number[];
  /** Token ids put after the content of every window (e.g. `[SEP]`). */
  readonly suffix: readonly number[];
  /** Id used to pad a batch. */
  readonly padId: number;
  tokenize(text: string): TokenizedText;
}

/** Thrown when a tokenizer file cannot be used; the message says what is unsupported. */
export class TokenizerFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerFormatError';
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readVocab(raw: unknown, where: string): Map<string, number> {
  if (!isObject(raw)) throw new TokenizerFormatError(`${where} must be an object of token → id`);
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(raw)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new TokenizerFormatError(`${where} has a token whose id is not a non-negative integer`);
    }
    vocab.set(token, id);
  }
  if (vocab.size === 0) throw new TokenizerFormatError(`${where} is empty`);
  return vocab;
}

/**
 * Builds a tokenizer from a parsed tokenizer file: a HuggingFace `tokenizer.json` whose `model.type` is
 * `WordPiece` or `Unigram`, or a whitespace vocabulary (`{"type": "whitespace", "vocab": {...}, "unk_token": ...,
 * "lowercase": true, "cls_token"?, "sep_token"?, "pad_token"?}`, or a bare `{token: id}` object).
 */
export function loadTokenizer(json: unknown): TextTokenizer {
  if (!isObject(json)) throw new TokenizerFormatError('the tokenizer file must hold a JSON object');
  if (isObject(json.model))
    return json.model.type === 'Unigram' ? unigramFromHf(json) : wordPieceFromHf(json);
  if (json.type === 'whitespace' || isObject(json.vocab)) return whitespaceFromSpec(json);
  if (Object.values(json).every((v) => typeof v === 'number')) return whitespaceFromSpec({ vocab: json });
  throw new TokenizerFormatError(
    'unrecognised tokenizer file; expected a HuggingFace tokenizer.json (WordPiece or Unigram) or a whitespace vocabulary',
  );
}

// ---------------------------------------------------------------------------------------------------------
// Normalisation with offsets

interface NormalizerSpec {
  cleanText: boolean;
  chineseChars: boolean;
  lowercase: boolean;
  stripAccents: boolean;
}

/** The normalised text as code points, each with the original span it came from. */
interface Normalized {
  cps: number[];
  starts: number[];
  ends: number[];
}

const COMBINING_MARK = /\p{Mn}/u;
const CONTROL = /[\p{Cc}\p{Cf}]/u;
const WHITESPACE = /\s/u;
const PUNCTUATION = /\p{P}/u;

function isWhitespaceCp(cp: number): boolean {
  if (cp < 128) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d);
  return WHITESPACE.test(String.fromCodePoint(cp));
}

function isControlCp(cp: number): boolean {
  if (cp === 0x09 || cp === 0x0a || cp === 0x0d) return false;
  if (cp < 128) return cp < 0x20 || cp === 0x7f;
  return CONTROL.test(String.fromCodePoint(cp));
}

/** BERT's punctuation: ASCII symbol ranges plus Unicode `P*`. */
function isPunctuationCp(cp: number): boolean {
  if (
    (cp >= 33 && cp <= 47) ||
    (cp >= 58 && cp <= 64) ||
    (cp >= 91 && cp <= 96) ||
    (cp >= 123 && cp <= 126)
  ) {
    return true;
  }
  return cp > 127 && PUNCTUATION.test(String.fromCodePoint(cp));
}

function isChineseCp(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function normalize(text: string, spec: NormalizerSpec): Normalized {
  const out: Normalized = { cps: [], starts: [], ends: [] };
  const push = (cp: number, start: number, end: number): void => {
    out.cps.push(cp);
    out.starts.push(start);
    out.ends.push(end);
  };
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i) as number;
    const width = cp > 0xffff ? 2 : 1;
    const start = i;
    const end = i + width;
    i = end;
    if (spec.cleanText) {
      if (cp === 0 || cp === 0xfffd || isControlCp(cp)) continue;
      if (isWhitespaceCp(cp)) {
        push(0x20, start, end);
        continue;
      }
    }
    if (spec.chineseChars && isChineseCp(cp)) {
      push(0x20, start, end);
      push(cp, start, end);
      push(0x20, start, end);
      continue;
    }
    if (!spec.lowercase && !spec.stripAccents) {
      push(cp, start, end);
      continue;
    }
    if (cp < 128) {
      push(spec.lowercase && cp >= 65 && cp <= 90 ? cp + 32 : cp, start, end);
      continue;
    }
    let piece = String.fromCodePoint(cp);
    if (spec.lowercase) piece = piece.toLowerCase();
    if (spec.stripAccents) piece = piece.normalize('NFD');
    for (const ch of piece) {
      if (spec.stripAccents && COMBINING_MARK.test(ch)) continue;
      push(ch.codePointAt(0) as number, start, end);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// WordPiece

interface WordPieceSpec {
  vocab: Map<string, number>;
  unkId: number;
  prefix: string;
  maxCharsPerWord: number;
  normalizer: NormalizerSpec;
  /** `bert` isolates punctuation; `whitespace` splits `\w+|[^\w\s]+`; `split` splits on whitespace only. */
  preTokenizer: 'bert' | 'whitespace' | 'split';
}

/** A word: a range of normalised code points. */
type Word = readonly [from: number, to: number];

function preTokenize(norm: Normalized, mode: WordPieceSpec['preTokenizer']): Word[] {
  const words: Word[] = [];
  const { cps } = norm;
  let from = -1;
  let fromClass = 0;
  const close = (to: number): void => {
    if (from >= 0) words.push([from, to]);
    from = -1;
  };
  for (let k = 0; k < cps.length; k++) {
    const cp = cps[k] as number;
    if (isWhitespaceCp(cp)) {
      close(k);
      continue;
    }
    if (mode === 'split') {
      if (from < 0) from = k;
      continue;
    }
    if (mode === 'bert') {
      if (isPunctuationCp(cp)) {
        close(k);
        words.push([k, k + 1]);
        continue;
      }
      if (from < 0) from = k;
      continue;
    }
    // `whitespace`: runs of word characters, runs of other non-space characters.
    const cls = /[\p{L}\p{N}_\p{M}]/u.test(String.fromCodePoint(cp)) ? 1 : 2;
    if (from >= 0 && cls !== fromClass) close(k);
    if (from < 0) {
      from = k;
      fromClass = cls;
    }
  }
  close(cps.length);
  return words;
}

function wordPieceTokenize(text: string, spec: WordPieceSpec): TokenizedText {
  const norm = normalize(text, spec.normalizer);
  const out: TokenizedText = { ids: [], starts: [], ends: [] };
  for (const [from, to] of preTokenize(norm, spec.preTokenizer)) {
    const wordStart = norm.starts[from] as number;
    const wordEnd = norm.ends[to - 1] as number;
    if (to - from > spec.maxCharsPerWord) {
      out.ids.push(spec.unkId);
      out.starts.push(wordStart);
      out.ends.push(wordEnd);
      continue;
    }
    const pieces: number[] = [];
    const bounds: number[] = [];
    let start = from;
    let bad = false;
    while (start < to) {
      let end = to;
      let found = -1;
      while (start < end) {
        let sub = String.fromCodePoint(...norm.cps.slice(start, end));
        if (start > from) sub = spec.prefix + sub;
        const id = spec.vocab.get(sub);
        if (id !== undefined) {
          found = id;
          break;
        }
        end--;
      }
      if (found < 0) {
        bad = true;
        break;
      }
      pieces.push(found);
      bounds.push(start, end);
      start = end;
    }
    if (bad) {
      out.ids.push(spec.unkId);
      out.starts.push(wordStart);
      out.ends.push(wordEnd);
      continue;
    }
    for (let p = 0; p < pieces.length; p++) {
      out.ids.push(pieces[p] as number);
      out.starts.push(norm.starts[bounds[2 * p] as number] as number);
      out.ends.push(norm.ends[(bounds[2 * p + 1] as number) - 1] as number);
    }
  }
  return out;
}

function normalizerFromHf(raw: unknown): NormalizerSpec {
  const spec: NormalizerSpec = {
    cleanText: false,
    chineseChars: false,
    lowercase: false,
    stripAccents: false,
  };
  const apply = (n: unknown): void => {
    if (n === null || n === undefined) return;
    if (!isObject(n)) throw new TokenizerFormatError('tokenizer normalizer must be an object');
    switch (n.type) {
      case 'BertNormalizer': {
        spec.cleanText = n.clean_text !== false;
        spec.chineseChars = n.handle_chinese_chars !== false;
        spec.lowercase = n.lowercase !== false;
        spec.stripAccents = typeof n.strip_accents === 'boolean' ? n.strip_accents : spec.lowercase;
        return;
      }
      case 'Lowercase':
        spec.lowercase = true;
        return;
      case 'StripAccents':
        spec.stripAccents = true;
        return;
      case 'NFD':
        return;
      case 'Sequence': {
        if (!Array.isArray(n.normalizers))
          throw new TokenizerFormatError('tokenizer normalizer sequence is malformed');
        for (const inner of n.normalizers) apply(inner);
        return;
      }
      default:
        throw new TokenizerFormatError(
          `unsupported tokenizer normalizer \`${String(n.type)}\` (supported: BertNormalizer, Lowercase, StripAccents, NFD, Sequence)`,
        );
    }
  };
  apply(raw);
  return spec;
}

function preTokenizerFromHf(raw: unknown): WordPieceSpec['preTokenizer'] {
  if (raw === null || raw === undefined) return 'bert';
  if (!isObject(raw)) throw new TokenizerFormatError('tokenizer pre_tokenizer must be an object');
  switch (raw.type) {
    case 'BertPreTokenizer':
      return 'bert';
    case 'Whitespace':
      return 'whitespace';
    case 'WhitespaceSplit':
      return 'split';
    default:
      throw new TokenizerFormatError(
        `unsupported tokenizer pre_tokenizer \`${String(raw.type)}\` (supported: BertPreTokenizer, Whitespace, WhitespaceSplit)`,
      );
  }
}

function specialId(raw: unknown, vocab: Map<string, number>, where: string): number {
  // BertProcessing / RobertaProcessing: ["[CLS]", 101]
  if (Array.isArray(raw) && typeof raw[1] === 'number') return raw[1];
  if (typeof raw === 'string') {
    const id = vocab.get(raw);
    if (id !== undefined) return id;
  }
  throw new TokenizerFormatError(`tokenizer ${where} names a special token that is not in the vocabulary`);
}

/** Special tokens around each window, from a HuggingFace `post_processor` (shared with the Unigram loader). */
export function postProcessorFromHf(
  raw: unknown,
  vocab: Map<string, number>,
): { prefix: number[]; suffix: number[] } {
  if (raw === null || raw === undefined) return { prefix: [], suffix: [] };
  if (!isObject(raw)) throw new TokenizerFormatError('tokenizer post_processor must be an object');
  if (raw.type === 'BertProcessing' || raw.type === 'RobertaProcessing') {
    return {
      prefix: [specialId(raw.cls, vocab, 'post_processor.cls')],
      suffix: [specialId(raw.sep, vocab, 'post_processor.sep')],
    };
  }
  if (raw.type === 'TemplateProcessing') {
    if (!Array.isArray(raw.single))
      throw new TokenizerFormatError('tokenizer post_processor.single must be a list');
    const specials = isObject(raw.special_tokens) ? raw.special_tokens : {};
    const prefix: number[] = [];
    const suffix: number[] = [];
    let seenSequence = false;
    for (const piece of raw.single) {
      if (!isObject(piece)) continue;
      if (isObject(piece.Sequence)) {
        seenSequence = true;
        continue;
      }
      if (!isObject(piece.SpecialToken)) continue;
      const name = String(piece.SpecialToken.id);
      const entry = specials[name];
      const ids =
        isObject(entry) && Array.isArray(entry.ids)
          ? (entry.ids as unknown[]).filter((v): v is number => typeof v === 'number')
          : [specialId(name, vocab, 'post_processor.single')];
      (seenSequence ? suffix : prefix).push(...ids);
    }
    return { prefix, suffix };
  }
  throw new TokenizerFormatError(
    `unsupported tokenizer post_processor \`${String(raw.type)}\` (supported: BertProcessing, RobertaProcessing, TemplateProcessing)`,
  );
}

function wordPieceFromHf(json: Json): TextTokenizer {
  const model = json.model as Json;
  if (model.type !== 'WordPiece') {
    throw new TokenizerFormatError(
      `unsupported tokenizer model \`${String(model.type)}\`; only WordPiece and Unigram tokenizer.json files are supported`,
    );
  }
  const vocab = readVocab(model.vocab, 'tokenizer model.vocab');
  const unkToken = typeof model.unk_token === 'string' ? model.unk_token : '[UNK]';
  const unkId = vocab.get(unkToken);
  if (unkId === undefined) throw new TokenizerFormatError('tokenizer unk_token is not in the vocabulary');
  const spec: WordPieceSpec = {
    vocab,
    unkId,
    prefix: typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '##',
    maxCharsPerWord:
      typeof model.max_input_chars_per_word === 'number' ? model.max_input_chars_per_word : 100,
    normalizer: normalizerFromHf(json.normalizer),
    preTokenizer: preTokenizerFromHf(json.pre_tokenizer),
  };
  const { prefix, suffix } = postProcessorFromHf(json.post_processor, vocab);
  const padding = isObject(json.padding) ? json.padding : {};
  const padId = typeof padding.pad_id === 'number' ? padding.pad_id : (vocab.get('[PAD]') ?? 0);
  return {
    kind: 'wordpiece',
    prefix,
    suffix,
    padId,
    tokenize: (text) => wordPieceTokenize(text, spec),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Whitespace vocabulary

function whitespaceFromSpec(json: Json): TextTokenizer {
  const vocab = readVocab(json.vocab, 'whitespace vocabulary');
  const name = (key: string, fallback: string | null): string | null =>
    typeof json[key] === 'string' ? (json[key] as string) : fallback;
  const idOf = (token: string | null, key: string, required: boolean): number | null => {
    if (token === null) return null;
    const id = vocab.get(token);
    if (id === undefined && required) {
      throw new TokenizerFormatError(`whitespace vocabulary ${key} \`${token}\` is not in the vocabulary`);
    }
    return id ?? null;
  };
  const unkId = idOf(name('unk_token', '[UNK]'), 'unk_token', true) as number;
  const cls = idOf(name('cls_token', null), 'cls_token', true);
  const sep = idOf(name('sep_token', null), 'sep_token', true);
  const padId = idOf(name('pad_token', '[PAD]'), 'pad_token', false) ?? 0;
  const lowercase = json.lowercase === true;
  return {
    kind: 'whitespace',
    prefix: cls === null ? [] : [cls],
    suffix: sep === null ? [] : [sep],
    padId,
    tokenize(text) {
      const out: TokenizedText = { ids: [], starts: [], ends: [] };
      const re = /\S+/gu;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        const word = lowercase ? m[0].toLowerCase() : m[0];
        out.ids.push(vocab.get(word) ?? unkId);
        out.starts.push(m.index);
        out.ends.push(m.index + m[0].length);
      }
      return out;
    },
  };
}
