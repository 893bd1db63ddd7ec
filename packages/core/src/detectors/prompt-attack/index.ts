/**
 * The `prompt_attack` detector: direct and indirect prompt injection and jailbreaks.
 *
 * Per segment: the text is normalised by the engine, encoded runs are decoded and rescanned
 * (deobfuscate.ts), signatures of known attack families are matched (signatures.ts) on the text and on
 * every decoded variant, and the shipped linear classifier (models/prompt-attack/) scores the whole text
 * and the longer decoded variants, each as the highest of the whole-text score and the scores of its
 * windows of `window_words` words (features.ts), so an attack paragraph inside a long story still counts. Segments whose source is `tool_result` or `retrieved_document` are
 * untrusted content and use `indirect_threshold` (lower) instead of `threshold`.
 *
 * Findings: one per matched signature (type from the signature, span on the original text, the signature
 * id and decode steps in `detector`/`explanation`) and one `CLASSIFIER` finding per segment whose score
 * reaches the threshold (`span: null`, `segment` set). Scores are 0–1; the classifier's 0.5 is the
 * operating point chosen at training (1% false positives on validation benign prompts).
 */
import { z } from 'zod';
import type { Finding } from '../../model/finding.ts';
import { SEGMENT_SOURCES, type SegmentSource } from '../../model/segment.ts';
import type { Detector } from '../contract.ts';
import { normalizeText } from '../normalize.ts';
import type { DetectorDefinition } from '../registry.ts';
import { linearRow } from './classifier.ts';
import { attackCues } from './cues.ts';
import { deobfuscate, type Variant } from './deobfuscate.ts';
import { scoreWithWindows } from './features.ts';
import { matchSignatures, SIGNATURES, type Signature } from './signatures.ts';

export { ATTACK_CUES, type AttackCue, attackCues, LONG_PROMPT_CHARS } from './cues.ts';
export { DECODE_LIMITS, deobfuscate, rot13, unleet, unsmallcaps, type Variant } from './deobfuscate.ts';
export { type LinearRow, scoreText, scoreWithWindows } from './features.ts';
export { PROMPT_ATTACK_TYPES, type PromptAttackType, SIGNATURES, type Signature } from './signatures.ts';

/** Segment sources treated as untrusted content (indirect injection). */
export const INDIRECT_SOURCES: readonly SegmentSource[] = Object.freeze([
  'tool_result',
  'retrieved_document',
]);

const SOURCES = SEGMENT_SOURCES;

/** Settings of the prompt-attack detector. */
export const PromptAttackSettings = z.object({
  /** Findings below this score are not reported, for direct content (user messages, …). */
  threshold: z.number().min(0).max(1).default(0.5),
  /** Threshold for untrusted content: tool results and retrieved documents. */
  indirect_threshold: z.number().min(0).max(1).default(0.4),
  /**
   * Second stage for direct content: a classifier score from `threshold` up to (not including) this value
   * is reported only when the text also shows an attack cue (cues.ts: rule removal, unrestricted persona,
   * refusal suppression, …, or a long prompt). Set it to `threshold` or lower to turn the stage off.
   * Indirect content (tool results, retrieved documents) is not gated.
   */
  confirm_below: z.number().min(0).max(1).default(0.8),
  /** Run the trained classifier. */
  classifier: z.boolean().default(true),
  /**
   * The classifier also scores consecutive windows of this many words of a longer text and keeps the
   * highest score (0: whole text only). 50 was chosen by cross-validation on the training split.
   */
  window_words: z.number().int().min(0).max(10_000).default(50),
  /** Decode encoded runs (base64, hex, URL, rot13, leetspeak, spaced letters, Unicode tags) and rescan. */
  deobfuscate: z.boolean().default(true),
  /** Signature ids to turn off, e.g. `override.from_now_on`. */
  disabled_signatures: z.array(z.string()).default([]),
  /** Segment sources not inspected (the system prompt is the deployer's own text). */
  skip_sources: z.array(z.enum(SOURCES)).default(['system']),
});
export type PromptAttackSettings = z.infer<typeof PromptAttackSettings>;
export type PromptAttackSettingsInput = z.input<typeof PromptAttackSettings>;

/** Decoded variants shorter than this are checked by signatures only, not by the classifier. */
const MIN_CLASSIFIED_VARIANT = 24;

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** Builds the prompt-attack detector; `settings` is validated once here. */
export function createPromptAttackDetector(settings: PromptAttackSettingsInput = {}): Detector {
  const s = PromptAttackSettings.parse(settings);
  const disabled = new Set(s.disabled_signatures);
  const signatures: readonly Signature[] = SIGNATURES.filter((sig) => !disabled.has(sig.id));
  const model = s.classifier ? linearRow() : null;
  const skip = new Set<SegmentSource>(s.skip_sources);
  const indirect = new Set<SegmentSource>(INDIRECT_SOURCES);

  return {
    id: 'prompt_attack',
    family: 'prompt_attack',
    inspect(segments) {
      const findings: Finding[] = [];
      for (const segment of segments) {
        if (skip.has(segment.source) || segment.text.trim().length === 0) continue;
        const isIndirect = indirect.has(segment.source);
        const threshold = isIndirect ? s.indirect_threshold : s.threshold;
        const where = isIndirect ? `untrusted ${segment.source}` : segment.source;
        const normalized = normalizeText(segment.text);
        const seen = new Set<string>();
        const report = (sig: Signature, start: number, end: number, steps: readonly string[]): void => {
          if (sig.score < threshold || seen.has(sig.id)) return;
          if (end <= start) return;
          seen.add(sig.id);
          const decoded = steps.length > 0 ? `, after decoding ${steps.join(' → ')}` : '';
          findings.push({
            family: 'prompt_attack',
            type: sig.type,
            score: sig.score,
            segment: segment.index,
            span: { start, end },
            detector: `prompt_attack.${sig.id}`,
            explanation: `signature \`${sig.id}\` matched in ${where} content${decoded}`,
          });
        };
        for (const m of matchSignatures(normalized.text, signatures)) {
          const span = normalized.toOriginalSpan(m.start, m.end);
          report(m.signature, span.start, span.end, []);
        }
        const variants: Variant[] = s.deobfuscate ? deobfuscate(segment.text, normalized) : [];
        for (const v of variants) {
          for (const m of matchSignatures(v.text, signatures)) report(m.signature, v.start, v.end, v.steps);
        }
        if (model === null) continue;
        // The classifier reads the engine-normalised text (classifierText), which `normalized` already is.
        const prepared = normalized.text;
        let best = scoreWithWindows(prepared, model, s.window_words);
        let bestText = prepared;
        let bestSteps: readonly string[] = [];
        for (const v of variants) {
          if (v.text.length < MIN_CLASSIFIED_VARIANT) continue;
          const score = scoreWithWindows(v.text, model, s.window_words);
          if (score > best) {
            best = score;
            bestText = v.text;
            bestSteps = v.steps;
          }
        }
        if (best < threshold) continue;
        // Second stage (direct content): an uncertain score needs an attack cue in the scored text.
        const cues = !isIndirect && best < s.confirm_below ? attackCues(bestText) : null;
        if (cues !== null && cues.length === 0) continue;
        const decoded = bestSteps.length > 0 ? `, after decoding ${bestSteps.join(' → ')}` : '';
        const confirmed = cues !== null ? `, confirmed by cue ${cues.map((c) => `\`${c}\``).join(', ')}` : '';
        findings.push({
          family: 'prompt_attack',
          type: 'CLASSIFIER',
          score: round(best),
          segment: segment.index,
          span: null,
          detector: 'prompt_attack.classifier',
          explanation: `classifier scored ${where} content ${round(best)}${decoded}${confirmed}`,
        });
      }
      return findings;
    },
  };
}

/** The `prompt_attack` detector definition for the built-in list. */
export const promptAttackDefinition: DetectorDefinition<typeof PromptAttackSettings> = {
  id: 'prompt_attack',
  family: 'prompt_attack',
  description:
    'Direct and indirect prompt injection and jailbreaks: deobfuscation, attack-family signatures and a trained classifier',
  languages: ['en'],
  settings: PromptAttackSettings,
  create: (settings) => createPromptAttackDetector(settings),
};
