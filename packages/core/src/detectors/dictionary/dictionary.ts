/**
 * Custom dictionaries: project code names, customer names, product names… matched with one
 * Aho–Corasick automaton, case-insensitive and whole-word by default.
 */
import { z } from 'zod';
import type { Finding } from '../../model/finding.ts';
import type { Segment } from '../../model/segment.ts';
import { createAhoCorasick } from '../aho-corasick.ts';
import type { Detector } from '../contract.ts';
import type { DetectorDefinition } from '../registry.ts';

/** Type reported when a term has none of its own. */
export const DICTIONARY_DEFAULT_TYPE = 'CUSTOM_TERM';

/** Settings of the dictionary detector. */
export const DictionarySettings = z.object({
  /** Terms to find; `type` is reported as the finding type (default `CUSTOM_TERM`). */
  terms: z
    .array(
      z.object({
        term: z.string().trim().min(1).max(256),
        type: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/)
          .optional(),
      }),
    )
    .max(100_000)
    .default([]),
  case_sensitive: z.boolean().default(false),
  whole_words: z.boolean().default(true),
  /** Score given to each match. */
  score: z.number().min(0).max(1).default(0.9),
});
export type DictionarySettings = z.infer<typeof DictionarySettings>;

/**
 * Builds the dictionary detector. Overlapping matches are reduced to the leftmost-longest ones, so
 * "Project Falcon" and "Falcon" in the list give one finding for "Project Falcon".
 */
export function createDictionaryDetector(settings: z.input<typeof DictionarySettings> = {}): Detector {
  const resolved = DictionarySettings.parse(settings);
  const types = new Map<string, string>();
  const patterns = resolved.terms.map((entry, index) => {
    const id = String(index);
    types.set(id, entry.type ?? DICTIONARY_DEFAULT_TYPE);
    return { id, text: entry.term };
  });
  const automaton = createAhoCorasick(patterns, {
    caseInsensitive: !resolved.case_sensitive,
    wholeWords: resolved.whole_words,
  });
  const score = resolved.score;

  return {
    id: 'dictionary',
    family: 'dictionary',
    inspect(segments: readonly Segment[]): Finding[] {
      const findings: Finding[] = [];
      for (const segment of segments) {
        const matches = automaton.search(segment.text);
        matches.sort((a, b) => a.start - b.start || b.end - a.end);
        let covered = 0;
        for (const match of matches) {
          if (match.start < covered) continue;
          covered = match.end;
          findings.push({
            family: 'dictionary',
            type: types.get(match.id) ?? DICTIONARY_DEFAULT_TYPE,
            score,
            segment: segment.index,
            span: { start: match.start, end: match.end },
            detector: 'dictionary.term',
            explanation: `term ${Number(match.id) + 1} of the custom dictionary`,
          });
        }
      }
      return findings;
    },
  };
}

/** Registry entry for the dictionary detector. */
export const dictionaryDefinition: DetectorDefinition<typeof DictionarySettings> = {
  id: 'dictionary',
  family: 'dictionary',
  description: 'Finds terms from a custom dictionary (project code names, customers) with Aho–Corasick',
  languages: ['*'],
  settings: DictionarySettings,
  create: (settings) => createDictionaryDetector(settings),
};
