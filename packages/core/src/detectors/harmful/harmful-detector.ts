/**
 * The `harmful` detector: requests and outputs in the MLCommons hazard categories S1–S14. A binary
 * harmful-vs-safe linear model (hashed word and character n-grams plus category and intent cue tokens),
 * then the mean of a small dense head over its logit, the cue indicators and the pooled pretrained word
 * vectors of the text (models/word-vectors/) and a logistic stacking layer over the logit and the cue
 * indicators, decide whether a text is harmful; a category assigner (one linear head per hazard code)
 * says which categories. Scoring is on the engine's normalised text (homoglyphs, invisible characters, width
 * variants folded); spans point at the original text. Pure: no I/O, clock, randomness or environment.
 */
import { z } from 'zod';
import shipped from '../../../../../models/harmful/model.json' with { type: 'json' };
import { type DenseModel, loadDenseModel } from '../../ml/dense-model.ts';
import { fastTextFeatures, featureWords, wordFeatures } from '../../ml/fast-features.ts';
import { type LinearModel, loadLinearModel } from '../../ml/linear-model.ts';
import { loadShippedWordVectors, shippedWordVectorsIfLoaded } from '../../ml/shipped-word-vectors.ts';
import type { PoolingOptions, WordVectors } from '../../ml/word-vectors.ts';
import type { Finding } from '../../model/finding.ts';
import type { Segment } from '../../model/segment.ts';
import type { Detector, DetectorContext } from '../contract.ts';
import { normalizeText } from '../normalize.ts';
import {
  cueSignals,
  cueTokens,
  HAZARD_CODES,
  HAZARD_NAMES,
  type HazardCode,
  withCueTokens,
} from './categories.ts';
import { HarmfulModelFile } from './model-file.ts';
import { headRow, stackScore } from './stack.ts';

/** Default decision threshold: chosen by cross-validation on the training split (see the model card). */
export const DEFAULT_HARMFUL_THRESHOLD: number = HarmfulModelFile.shape.threshold.parse(shipped.threshold);

/** Settings of the harmful detector; validated once when the detector is built. */
export const HarmfulSettings = z.object({
  /** Binary harmful score at or above which a text is reported. Default: the model card's threshold. */
  threshold: z.number().min(0).max(1).default(DEFAULT_HARMFUL_THRESHOLD),
  /** Report only these hazard categories (default: all of S1–S14). */
  categories: z.array(z.enum(HAZARD_CODES)).min(1).optional(),
});
export type HarmfulSettings = z.infer<typeof HarmfulSettings>;

/**
 * Longest scoring unit. The model was trained on single requests; a long text is split into sentence-ish
 * pieces merged greedily up to this length and scored unit by unit (maximum taken), so a harmful request
 * is not diluted by the benign text around it.
 */
const UNIT = 400;
/** Sentence-ish pieces: up to a sentence end or a newline (capped, so the cost stays linear). */
const PIECE = /[^.!?\n]{1,400}[.!?]{0,3}/g;

interface Range {
  start: number;
  end: number;
}

/** Trimmed sentence-ish pieces of `text[from, to)`, at most `limit` of them. */
function pieces(text: string, from: number, to: number, limit = Number.POSITIVE_INFINITY): Range[] {
  const out: Range[] = [];
  const slice = text.slice(from, to);
  for (const m of slice.matchAll(PIECE)) {
    let start = m.index;
    let end = start + m[0].length;
    while (start < end && /\s/.test(slice[start]!)) start++;
    while (end > start && /\s/.test(slice[end - 1]!)) end--;
    if (end > start) out.push({ start: from + start, end: from + end });
    if (out.length >= limit) break;
  }
  return out;
}

/** The scoring units of a text: the whole text when short, else pieces merged up to UNIT characters. */
function units(text: string): Range[] {
  if (text.length <= UNIT) return [{ start: 0, end: text.length }];
  const out: Range[] = [];
  let current: Range | null = null;
  for (const p of pieces(text, 0, text.length)) {
    if (current && p.end - current.start <= UNIT) current.end = p.end;
    else {
      if (current) out.push(current);
      current = { ...p };
    }
  }
  if (current) out.push(current);
  return out;
}

/** Per-category scores of one text: binary score and each category's score (binary × category share). */
export interface HarmfulScores {
  /** Probability-like score that the text is harmful. */
  harmful: number;
  /** Score per hazard code, each in [0, 1]; the top category scores `harmful`. */
  categories: Record<HazardCode, number>;
}

interface Built {
  binary: LinearModel;
  vectors: WordVectors;
  pooling: PoolingOptions;
  head: DenseModel[];
  stack: HarmfulModelFile['head']['stack'];
  categories: LinearModel;
  categoryThreshold: number;
}

let builtShipped: Built | null = null;

/**
 * The shipped model once the word vectors are loaded (null before: see `loadHarmfulModel`), built once and
 * shared by every detector instance. Validated on first use, not at import: the training scripts import
 * the core while they rebuild this file, and a detector that is never used should not pay for it.
 */
function shippedModelIfLoaded(): Built | null {
  const vectors = shippedWordVectorsIfLoaded();
  if (vectors === null) return null;
  builtShipped ??= build(HarmfulModelFile.parse(shipped), vectors);
  return builtShipped;
}

/** Loads what the shipped model needs (the word vectors, imported on first use) and builds it. */
export async function loadHarmfulModel(): Promise<void> {
  await loadShippedWordVectors();
  shippedModelIfLoaded();
}

function build(file: HarmfulModelFile, vectors: WordVectors): Built {
  return {
    binary: loadLinearModel(file.binary),
    vectors,
    pooling: file.head.pooling,
    head: file.head.models.map((m) => loadDenseModel(m)),
    stack: file.head.stack,
    categories: loadLinearModel(file.categories),
    categoryThreshold: file.categoryThreshold,
  };
}

/**
 * The harmful score of one window: the binary model, then the mean of the dense head(s) over its logit,
 * the cue indicators and the pooled word vectors, and the logistic stack over the logit and the cues.
 */
function windowScore(model: Built, text: string): number {
  const signals = cueSignals(text);
  const tokens = cueTokens(signals);
  const features = model.binary.features;
  let p: number;
  let pooled: Float64Array;
  // The text is split into words once for the n-gram features and the word vectors. That is exact when
  // neither truncates it: the binary model sees the text, a newline and the cue tokens (lower-case
  // words), whose words are the text's words followed by the tokens.
  if (
    text.length + 1 + tokens.join(' ').length <= features.maxChars &&
    text.length <= model.pooling.maxChars
  ) {
    const words = featureWords(text, features.maxChars);
    p = model.binary.scoreVector(
      wordFeatures(tokens.length === 0 ? words : [...words, ...tokens], features),
    )[0]!;
    pooled = model.vectors.poolWords(words, model.pooling);
  } else {
    p = model.binary.scoreVector(fastTextFeatures(withCueTokens(text, signals), features))[0]!;
    pooled = model.vectors.pool(text, model.pooling);
  }
  const x = headRow(p, signals, pooled);
  let sum = 0;
  for (const head of model.head) sum += head.score(x);
  // x starts with the stacking features (stack.ts), so the stack reads them from there.
  const stack = stackScore(model.stack.weights, model.stack.bias, x);
  return (sum / model.head.length + stack) / 2;
}

/** The best-scoring unit of a text and its harmful score. */
function bestUnit(model: Built, text: string): { score: number; unit: Range } {
  let best = { score: 0, unit: { start: 0, end: text.length } };
  for (const unit of units(text)) {
    const score = windowScore(
      model,
      unit.start === 0 && unit.end === text.length ? text : text.slice(unit.start, unit.end),
    );
    if (score > best.score) best = { score, unit };
  }
  return best;
}

function categoryScores(model: Built, text: string, harmful: number): Record<HazardCode, number> {
  const raw = model.categories.score(text);
  const top = Math.max(...raw);
  const out = {} as Record<HazardCode, number>;
  HAZARD_CODES.forEach((code, i) => {
    out[code] = top > 0 ? Math.round(harmful * (raw[i]! / top) * 1e4) / 1e4 : 0;
  });
  return out;
}

/**
 * Scores one text with the shipped model (or `file`): the binary harmful score and a score per hazard
 * category. Exposed for evaluation and explanations; the detector applies thresholds on top. A `file`
 * is loaded on every call (evaluation of candidate models only).
 */
export function scoreHarmful(text: string, file?: HarmfulModelFile): HarmfulScores {
  const vectors = shippedWordVectorsIfLoaded();
  if (vectors === null)
    throw new Error('the harmful model is not loaded yet: await loadHarmfulModel() first');
  const model = file ? build(HarmfulModelFile.parse(file), vectors) : shippedModelIfLoaded()!;
  const normalized = normalizeText(text).text;
  const { score, unit } = bestUnit(model, normalized);
  return { harmful: score, categories: categoryScores(model, normalized.slice(unit.start, unit.end), score) };
}

/** The highest-scoring sentence of a unit (the unit itself, trimmed, when it is one sentence). */
function evidenceSpan(model: Built, text: string, unit: Range): Range | null {
  const found = pieces(text, unit.start, unit.end, 64);
  if (found.length <= 1) return found[0] ?? null;
  let best = found[0]!;
  let bestScore = -1;
  for (const p of found) {
    const score = windowScore(model, text.slice(p.start, p.end));
    if (score > bestScore) {
      bestScore = score;
      best = p;
    }
  }
  return best;
}

/**
 * Builds the harmful detector. For each segment whose harmful score reaches `threshold` it reports the
 * top hazard category (score = the harmful score) and any other category whose head reaches the model's
 * category threshold (score scaled by its share), restricted to `categories` when given. Texts longer than
 * 400 characters are scored in sentence-aligned units (maximum taken). The span is the sentence that
 * scores highest inside the best unit (the whole trimmed unit when it is one sentence).
 */
export function createHarmfulDetector(settings: Partial<z.input<typeof HarmfulSettings>> = {}): Detector {
  const s = HarmfulSettings.parse(settings);
  const enabled = new Set<HazardCode>(s.categories ?? HAZARD_CODES);
  let model = shippedModelIfLoaded();
  const ready = async (): Promise<void> => {
    await loadHarmfulModel();
    model = shippedModelIfLoaded();
  };

  function inspectLoaded(model: Built, segments: readonly Segment[], ctx: DetectorContext): Finding[] {
    const findings: Finding[] = [];
    for (const segment of segments) {
      if (ctx.signal?.aborted) break;
      if (segment.text.trim().length === 0) continue;
      const normalized = normalizeText(segment.text);
      const { score: harmful, unit } = bestUnit(model, normalized.text);
      if (harmful < s.threshold) continue;
      const raw = model.categories.score(normalized.text.slice(unit.start, unit.end));
      const top = Math.max(...raw);
      const local = evidenceSpan(model, normalized.text, unit);
      if (!local) continue;
      const span = normalized.toOriginalSpan(local.start, local.end);
      HAZARD_CODES.forEach((code, i) => {
        const head = raw[i]!;
        if (!enabled.has(code)) return;
        if (head !== top && head < model.categoryThreshold) return;
        findings.push({
          family: 'harmful',
          type: code,
          score: Math.round(harmful * (top > 0 ? head / top : 1) * 1e4) / 1e4,
          segment: segment.index,
          span,
          detector: 'harmful.linear',
          explanation: `harmful request or output (${HAZARD_NAMES[code]})`,
        });
      });
    }
    return findings;
  }

  return {
    id: 'harmful',
    family: 'harmful',
    ready,
    // Synchronous once the model is loaded (the gateway awaits `ready` at start-up); before that, the
    // first calls wait for the load.
    inspect(segments: readonly Segment[], ctx: DetectorContext): Finding[] | Promise<Finding[]> {
      if (model !== null) return inspectLoaded(model, segments, ctx);
      return ready().then(() => inspectLoaded(model!, segments, ctx));
    },
  };
}
