import data from '../../../../../models/pii-names/gazetteer.json' with { type: 'json' };

/** Lower-cased lookup sets built once from the shipped gazetteer (models/pii-names/gazetteer.json). */
export interface NamesGazetteer {
  readonly given: ReadonlySet<string>;
  readonly surnames: ReadonlySet<string>;
  /** Countries, regions and cities; multi-word entries joined by one space. */
  readonly places: ReadonlySet<string>;
  readonly organizations: ReadonlySet<string>;
  /** Capitalised words that are never a name on their own (sentence starts, calendar words, titles). */
  readonly stopwords: ReadonlySet<string>;
  /** Names that are also common words ("May", "Will"): evidence only next to other name evidence. */
  readonly ambiguous: ReadonlySet<string>;
  /** Frequent lower-case English words; capitalised, they are weak name evidence. */
  readonly common: ReadonlySet<string>;
  /** Longest multi-word place or organisation entry, in tokens. */
  readonly maxPhraseTokens: number;
}

interface GazetteerFile {
  given: string[];
  surnames: string[];
  places: string[];
  organizations: string[];
  stopwords: string[];
  ambiguous: string[];
  common: string[];
}

let cached: NamesGazetteer | undefined;

/** Returns the shipped gazetteer, building its sets on first use. */
export function loadNamesGazetteer(): NamesGazetteer {
  if (cached) return cached;
  const file = data as GazetteerFile;
  let maxPhraseTokens = 1;
  for (const p of [...file.places, ...file.organizations]) {
    maxPhraseTokens = Math.max(maxPhraseTokens, p.split(' ').length);
  }
  cached = Object.freeze({
    given: new Set(file.given),
    surnames: new Set(file.surnames),
    places: new Set(file.places.map((p) => p.replace(/\./gu, ''))),
    organizations: new Set(file.organizations),
    stopwords: new Set(file.stopwords),
    ambiguous: new Set(file.ambiguous),
    common: new Set(file.common),
    maxPhraseTokens: Math.min(maxPhraseTokens, 6),
  });
  return cached;
}
