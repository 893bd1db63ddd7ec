import { z } from 'zod';

/** Settings of the `pii` detector, validated once when the detector is built. */
export const PiiSettings = z.object({
  /** Report only these entity types (all when absent). */
  types: z.array(z.string().min(1)).optional(),
  /** Findings scoring below this are not reported. */
  min_score: z.number().min(0).max(1).default(0.5),
  /** Values never reported (compared case-insensitively with the matched text). */
  allow_list: z.array(z.string()).default([]),
  /** Values always reported, as type `CUSTOM_DENY` (case-insensitive substring match). */
  deny_list: z.array(z.string()).default([]),
  /** Characters before a match searched for context words. */
  context_window: z.number().int().min(0).max(1000).default(60),
  /** ISO 639-1 languages whose country-specific formats are enabled (`*` or absent: all). */
  languages: z.array(z.string().min(1)).optional(),
});
/** Parsed (defaults applied) settings of the `pii` detector. */
export type PiiSettings = z.output<typeof PiiSettings>;
/** Settings as written in configuration (defaults optional). */
export type PiiSettingsInput = z.input<typeof PiiSettings>;
