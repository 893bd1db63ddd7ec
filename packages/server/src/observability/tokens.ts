import { createRequire } from 'node:module';

/**
 * Above this many UTF-8 bytes in total, {@link estimateTokens} uses the `ceil(chars / 4)` fallback. Exact
 * counting costs roughly 0.1 µs per byte of ordinary prose and up to 0.6 µs per byte of adversarial text
 * (random unspaced CJK), so this bounds one estimate to well under a second.
 */
export const MAX_TOKENIZED_BYTES = 1_000_000;

/**
 * Longest pre-tokenized piece, in UTF-8 bytes, merged in one go. Byte-pair merging is quadratic in the
 * piece length, and one piece can be a whole unspaced paragraph (CJK text, a long identifier), so longer
 * pieces are merged in slices of this size; each cut adds at most one token to the estimate.
 */
const MAX_PIECE_BYTES = 64;

/** Pieces whose token count is remembered (most text repeats its words); the cache is cleared when full. */
const PIECE_CACHE_SIZE = 50_000;

/** The parts of an encoding this module needs: the pre-tokenizer pattern and the merge ranks. */
interface Encoding {
  /** Pre-tokenizer: splits text into pieces that are merged independently. */
  readonly pattern: RegExp;
  /** Merge rank of each token, keyed by its bytes as a latin1 string. */
  readonly ranks: ReadonlyMap<string, number>;
  readonly cache: Map<string, number>;
}

interface RanksFile {
  pat_str: string;
  bpe_ranks: string;
}

let encoding: Encoding | null = null;

/**
 * Loads o200k_base from the ranks file that ships inside js-tiktoken (no network). Synchronous and lazy:
 * parsing takes a few hundred milliseconds, so it happens on the first estimate, or in warmTokenizer().
 *
 * js-tiktoken's own `encode` is not used: its merge re-joins byte arrays into string keys on every step,
 * which takes seconds on a long unspaced piece. The merge below is tiktoken's algorithm (lowest rank
 * first, leftmost on ties) over latin1 string slices, and a test checks the counts agree.
 */
function loadEncoding(): Encoding {
  if (encoding !== null) return encoding;
  const require = createRequire(import.meta.url);
  const loaded = require('js-tiktoken/ranks/o200k_base') as RanksFile | { default: RanksFile };
  const file = 'default' in loaded ? loaded.default : loaded;
  const ranks = new Map<string, number>();
  for (const line of file.bpe_ranks.split('\n')) {
    if (line === '') continue;
    const fields = line.split(' ');
    const offset = Number.parseInt(fields[1]!, 10);
    for (let i = 2; i < fields.length; i++) {
      ranks.set(Buffer.from(fields[i]!, 'base64').toString('latin1'), offset + i - 2);
    }
  }
  encoding = { pattern: new RegExp(file.pat_str, 'gu'), ranks, cache: new Map() };
  return encoding;
}

/**
 * Loads the tokenizer now, so the first request does not pay for it. Call it at start-up; calling it
 * again does nothing.
 */
export function warmTokenizer(): void {
  loadEncoding();
}

/** Number of tokens byte-pair merging makes of `bytes` (a latin1 string, 1 ≤ length). */
function mergeCount(bytes: string, ranks: ReadonlyMap<string, number>): number {
  const n = bytes.length;
  if (n === 1 || ranks.has(bytes)) return 1;
  // starts[i] is where part i begins; pairRanks[i] is the rank of part i joined with part i + 1.
  const starts: number[] = new Array(n + 1);
  for (let i = 0; i <= n; i++) starts[i] = i;
  const pairRanks: number[] = new Array(n - 1);
  for (let i = 0; i < n - 1; i++) pairRanks[i] = ranks.get(bytes.slice(i, i + 2)) ?? Number.POSITIVE_INFINITY;
  let parts = n;
  while (parts > 1) {
    let best = Number.POSITIVE_INFINITY;
    let at = -1;
    for (let i = 0; i < parts - 1; i++) {
      const rank = pairRanks[i]!;
      if (rank < best) {
        best = rank;
        at = i;
      }
    }
    if (at < 0) break;
    starts.splice(at + 1, 1);
    pairRanks.splice(at, 1);
    parts--;
    if (at < parts - 1) {
      pairRanks[at] = ranks.get(bytes.slice(starts[at]!, starts[at + 2]!)) ?? Number.POSITIVE_INFINITY;
    }
    if (at > 0) {
      pairRanks[at - 1] =
        ranks.get(bytes.slice(starts[at - 1]!, starts[at + 1]!)) ?? Number.POSITIVE_INFINITY;
    }
  }
  return parts;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function pieceCount(piece: string, enc: Encoding): number {
  const bytes = isAscii(piece) ? piece : Buffer.from(piece, 'utf8').toString('latin1');
  if (bytes.length <= MAX_PIECE_BYTES) return chunkCount(bytes, enc);
  let count = 0;
  for (let start = 0; start < bytes.length; start += MAX_PIECE_BYTES) {
    count += chunkCount(bytes.slice(start, start + MAX_PIECE_BYTES), enc);
  }
  return count;
}

function chunkCount(bytes: string, enc: Encoding): number {
  const cached = enc.cache.get(bytes);
  if (cached !== undefined) return cached;
  const count = mergeCount(bytes, enc.ranks);
  if (enc.cache.size >= PIECE_CACHE_SIZE) enc.cache.clear();
  enc.cache.set(bytes, count);
  return count;
}

function countText(text: string, enc: Encoding): number {
  // Special-token text such as `<|endoftext|>` is counted as ordinary text, as js-tiktoken's
  // `encode(text, [], [])` does.
  const pattern = enc.pattern;
  pattern.lastIndex = 0;
  let total = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    total += pieceCount(match[0], enc);
  }
  return total;
}

/**
 * Estimates how many tokens `texts` take, with the o200k_base encoding (GPT-4o family) as a
 * provider-neutral proxy. Deterministic. When the texts total more than {@link MAX_TOKENIZED_BYTES}
 * UTF-8 bytes, returns `ceil(chars / 4)` (UTF-16 code units) instead, so a huge body cannot stall the
 * event loop. The first call loads the encoding (a few hundred milliseconds) unless warmTokenizer() ran.
 */
export function estimateTokens(texts: readonly string[]): number {
  let chars = 0;
  let bytes = 0;
  for (const text of texts) {
    chars += text.length;
    if (bytes <= MAX_TOKENIZED_BYTES) bytes += Buffer.byteLength(text, 'utf8');
  }
  if (chars === 0) return 0;
  if (bytes > MAX_TOKENIZED_BYTES) return Math.ceil(chars / 4);
  const enc = loadEncoding();
  let total = 0;
  for (const text of texts) {
    if (text.length > 0) total += countText(text, enc);
  }
  return total;
}
