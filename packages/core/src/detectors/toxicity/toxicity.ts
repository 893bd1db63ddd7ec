/**
 * The `toxicity` detector: abuse, hate, harassment, threats and profanity.
 *
 * Two parts, both over the engine's normalised text (NFKC, invisible characters removed, confusables
 * folded):
 * - **A trained linear model** (models/toxicity/model.json, see its MODEL_CARD.md) with two labels:
 *   `toxic` (explicit abuse and offensive language) reported as `TOXIC`, and `implicit_hate` (hateful
 *   generalisations about a group, with no slurs) reported as `HATE`, only for text that names an
 *   identity group (GROUP_WORDS in lexicon.ts). The hate score is the mean of the linear label and a
 *   small word-vector head (hate-head.ts, models/toxicity/hate-head.json), which carries the meaning of
 *   the training statements to paraphrases. These are whole-text scores: the
 *   finding names the segment and has `span: null`. Long texts are scored in windows and the highest
 *   window counts.
 * - **A lexicon and phrase rules** (lexicon.ts, rules.ts) with spans: `PROFANITY` (profane terms), `HATE`
 *   (slurs), `HARASSMENT` (an insult aimed at `you`, abusive phrases) and `THREAT` (a first-person
 *   intent to harm a person, wishes of death).
 *
 * Scores are calibrated so that 0.5 is the operating point measured on the training split (5-fold
 * cross-validation): a finding is reported when its score reaches `threshold`. Pure: no I/O, clock,
 * randomness or environment; the model is loaded once, when the detector is built.
 */
import { z } from 'zod';
import hateHead from '../../../../../models/toxicity/hate-head.json' with { type: 'json' };
import model from '../../../../../models/toxicity/model.json' with { type: 'json' };
import { featureWords, wordFeatures } from '../../ml/fast-features.ts';
import { type LinearModel, loadLinearModel } from '../../ml/linear-model.ts';
import { loadShippedWordVectors, shippedWordVectorsIfLoaded } from '../../ml/shipped-word-vectors.ts';
import type { Finding } from '../../model/finding.ts';
import type { Segment } from '../../model/segment.ts';
import type { Detector, DetectorContext } from '../contract.ts';
import { normalizeText } from '../normalize.ts';
import type { DetectorDefinition } from '../registry.ts';
import { type HateScorer, loadHateHead } from './hate-head.ts';
import { groupAbstracted, matchRules, modelText } from './rules.ts';

/** Every type the toxicity detector reports. */
export const TOXICITY_TYPES = ['TOXIC', 'HATE', 'HARASSMENT', 'THREAT', 'PROFANITY'] as const;
/** One toxicity type. */
export type ToxicityType = (typeof TOXICITY_TYPES)[number];

/** Settings of the toxicity detector. */
export const ToxicitySettings = z.object({
  /**
   * Findings scoring below this are not reported. Scores are calibrated so that the default, 0.5, is the
   * measured operating point (see models/toxicity/MODEL_CARD.md); raise it for fewer false positives.
   */
  threshold: z.number().min(0).max(1).default(0.5),
  /** Report only these types (default: all). */
  types: z.array(z.enum(TOXICITY_TYPES)).optional(),
  /** Run the trained model (whole-text `TOXIC` and implicit `HATE` scores). */
  model: z.boolean().default(true),
  /** Run the lexicon and phrase rules (spans for profanity, slurs, harassment, threats). */
  lexicon: z.boolean().default(true),
});
/** Settings of the toxicity detector, defaults applied. */
export type ToxicitySettings = z.infer<typeof ToxicitySettings>;

/**
 * Raw model scores at which the labels were measured to give their best F1 with a benign false-positive
 * rate under 1% (5-fold cross-validation on the training split: `train.ts --compare` for `toxic`,
 * `compare-hate.ts` for the blended implicit-hate score with the group gate); they are mapped to 0.5.
 */
export const MODEL_OPERATING_POINTS: Readonly<Record<'toxic' | 'implicit_hate', number>> = Object.freeze({
  toxic: 0.5,
  implicit_hate: 0.35,
});

/** Characters per model window (half the model's `maxChars`: the model text adds an abstracted copy). */
const WINDOW = 2000;
/** Windows scored per segment; text beyond is covered by the rules only. */
const MAX_WINDOWS = 64;
/** Rule findings reported per segment at most. */
const MAX_RULE_FINDINGS = 100;

/** Maps a raw score so that `point` becomes 0.5, piecewise linear and monotonic. */
function calibrate(p: number, point: number): number {
  const s = p < point ? (0.5 * p) / point : 0.5 + (0.5 * (p - point)) / (1 - point);
  return Math.round(Math.min(1, Math.max(0, s)) * 1e4) / 1e4;
}

/** Splits `text` into windows of about `WINDOW` characters, cut at a space where there is one. */
function windows(text: string): string[] {
  if (text.length <= WINDOW) return [text];
  const out: string[] = [];
  let start = 0;
  while (start < text.length && out.length < MAX_WINDOWS) {
    let end = Math.min(text.length, start + WINDOW);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > start + WINDOW / 2) end = space;
    }
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

const HAS_WORD = /[\p{L}\p{N}]/u;
const WORD = /[\p{L}\p{N}]+/gu;
/** Texts with fewer words are left to the rules: one or two words give the model too little to go on. */
const MIN_MODEL_WORDS = 2;

/** Lower-case final sigma depends on what follows it (the only context-dependent lower-casing). */
const CAPITAL_SIGMA = '\u03a3';

/**
 * The model's scores of `modelText(text)` and the words of `text` (`featureWords`, for the hate head).
 * The model text is the text, a separator without word characters and the abstracted copy, so its words
 * are the text's words followed by the copy's: each is split once, not joined and split again. That is
 * exact unless the model text is cut at `maxChars` or holds a capital sigma (whose lower case depends on
 * what follows), where the model text itself is split.
 */
function scoreWindow(
  classifier: LinearModel,
  text: string,
  abstracted: string | null,
): { scores: number[]; words: readonly string[] | undefined } {
  const { maxChars } = classifier.features;
  const length = abstracted === null ? text.length : text.length + 3 + abstracted.length;
  if (length > maxChars || text.includes(CAPITAL_SIGMA)) {
    return { scores: classifier.score(modelText(text, abstracted)), words: undefined };
  }
  const words = featureWords(text, maxChars);
  const all = abstracted === null ? words : [...words, ...featureWords(abstracted, maxChars)];
  return { scores: classifier.scoreVector(wordFeatures(all, classifier.features)), words };
}

function countWords(text: string): number {
  let n = 0;
  WORD.lastIndex = 0;
  while (n < MIN_MODEL_WORDS && WORD.exec(text) !== null) n++;
  WORD.lastIndex = 0;
  return n;
}

/** Builds the toxicity detector; settings are validated and the model loaded once, here. */
export function createToxicityDetector(settings: z.input<typeof ToxicitySettings> = {}): Detector {
  const resolved = ToxicitySettings.parse(settings);
  const wanted = new Set<ToxicityType>(resolved.types ?? TOXICITY_TYPES);
  const threshold = resolved.threshold;
  const classifier = resolved.model ? loadLinearModel(model) : null;
  const toxicLabel = classifier?.labels.indexOf('toxic') ?? -1;
  const hateLabel = classifier?.labels.indexOf('implicit_hate') ?? -1;
  const runModel = classifier !== null && (wanted.has('TOXIC') || wanted.has('HATE'));
  // The word vectors are imported on first use, decoded once per process and shared with the harmful
  // detector; until they are loaded the hate head is missing and `inspect` waits for it.
  const needsHead = runModel && hateLabel >= 0 && wanted.has('HATE');
  let hateScore: HateScorer | null = null;
  const buildHead = (): void => {
    const vectors = shippedWordVectorsIfLoaded();
    if (needsHead && hateScore === null && vectors !== null) hateScore = loadHateHead(hateHead, vectors);
  };
  buildHead();
  const ready = async (): Promise<void> => {
    if (!needsHead) return;
    await loadShippedWordVectors();
    buildHead();
  };

  return {
    id: 'toxicity',
    family: 'toxicity',
    ready,
    inspect(segments, ctx) {
      if (needsHead && hateScore === null) return ready().then(() => inspectLoaded(segments, ctx));
      return inspectLoaded(segments, ctx);
    },
  };

  function inspectLoaded(segments: readonly Segment[], ctx: DetectorContext): Finding[] {
    const findings: Finding[] = [];
    for (const segment of segments) {
      if (ctx.signal?.aborted) break;
      if (!HAS_WORD.test(segment.text)) continue;
      const normalized = normalizeText(segment.text);
      if (runModel && classifier) {
        let toxic = 0;
        let hate = 0;
        for (const w of windows(normalized.text)) {
          if (countWords(w) < MIN_MODEL_WORDS) continue;
          const abstracted = groupAbstracted(w);
          const { scores, words } = scoreWindow(classifier, w, abstracted);
          if (toxicLabel >= 0) toxic = Math.max(toxic, scores[toxicLabel]!);
          // Implicit hate is about a group: without a group word the label's cues are ordinary words.
          if (hateScore && abstracted !== null)
            hate = Math.max(hate, hateScore(w, scores[hateLabel]!, words));
        }
        const toxicScore = calibrate(toxic, MODEL_OPERATING_POINTS.toxic);
        const hateCalibrated = calibrate(hate, MODEL_OPERATING_POINTS.implicit_hate);
        if (wanted.has('TOXIC') && toxicScore >= threshold) {
          findings.push({
            family: 'toxicity',
            type: 'TOXIC',
            score: toxicScore,
            segment: segment.index,
            span: null,
            detector: 'toxicity.model',
            explanation: 'the toxicity model scored the text as abusive or offensive',
          });
        }
        if (wanted.has('HATE') && hateCalibrated >= threshold) {
          findings.push({
            family: 'toxicity',
            type: 'HATE',
            score: hateCalibrated,
            segment: segment.index,
            span: null,
            detector: 'toxicity.model',
            explanation: 'the toxicity model scored the text as hateful towards a group',
          });
        }
      }
      if (!resolved.lexicon) continue;
      for (const hit of matchRules(normalized.text, MAX_RULE_FINDINGS)) {
        if (hit.score < threshold || !wanted.has(hit.type)) continue;
        const span = normalized.toOriginalSpan(hit.start, hit.end);
        if (span.end <= span.start) continue;
        findings.push({
          family: 'toxicity',
          type: hit.type,
          score: hit.score,
          segment: segment.index,
          span,
          detector: `toxicity.${hit.rule}`,
        });
      }
    }
    return findings;
  }
}

/** The `toxicity` detector definition for the built-in list. */
export const toxicityDefinition: DetectorDefinition<typeof ToxicitySettings> = {
  id: 'toxicity',
  family: 'toxicity',
  description:
    'Scores abuse, hate (explicit and implicit), harassment, threats and profanity with a trained model and a lexicon',
  languages: ['en'],
  settings: ToxicitySettings,
  create: (settings) => createToxicityDetector(settings),
};
