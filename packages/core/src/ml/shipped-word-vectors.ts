import { loadWordVectors, type WordVectors } from './word-vectors.ts';

let loaded: WordVectors | null = null;
let loading: Promise<WordVectors> | null = null;

/**
 * Loads the shipped word vectors (models/word-vectors/MODEL_CARD.md) once and shares them with every
 * detector that pools them. The file is imported dynamically, on first call, not when the core is
 * imported: a deployment that runs only the data-security detectors never loads it (under the tsx loader
 * the 4.4 MB JSON module costs about 46 MB of RSS). Decoding takes a few tens of milliseconds and keeps
 * about 3 MB (int8).
 */
export function loadShippedWordVectors(): Promise<WordVectors> {
  loading ??= import('../../../../models/word-vectors/vectors.json', { with: { type: 'json' } }).then(
    (module) => {
      loaded ??= loadWordVectors(module.default);
      return loaded;
    },
  );
  return loading;
}

/** The shipped word vectors if `loadShippedWordVectors` has finished, else null. */
export function shippedWordVectorsIfLoaded(): WordVectors | null {
  return loaded;
}

/** The shipped word vectors; throws unless `loadShippedWordVectors` has finished (await it first). */
export function shippedWordVectors(): WordVectors {
  if (loaded === null) {
    throw new Error('the shipped word vectors are not loaded yet: await loadShippedWordVectors() first');
  }
  return loaded;
}
