import file from '../../../../models/word-vectors/vectors.json' with { type: 'json' };
import { loadWordVectors, type WordVectors } from './word-vectors.ts';

let loaded: WordVectors | null = null;

/**
 * The shipped word vectors (models/word-vectors/MODEL_CARD.md), decoded on first use and shared by every
 * detector that pools them. Decoding takes a few tens of milliseconds and keeps about 3 MB (int8).
 */
export function shippedWordVectors(): WordVectors {
  if (loaded === null) loaded = loadWordVectors(file);
  return loaded;
}
