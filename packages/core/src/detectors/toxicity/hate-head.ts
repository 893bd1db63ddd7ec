import { z } from 'zod';
import { DenseModelFile, loadDenseModel } from '../../ml/dense-model.ts';
import { PoolingOptions, type WordVectors } from '../../ml/word-vectors.ts';

/**
 * The word-vector head of the `implicit_hate` label (models/toxicity/hate-head.json, built by
 * training/toxicity/train.ts): a small dense network over the label's linear logit and the pooled word
 * vectors of the text (models/word-vectors/). The hate score is the mean of the linear score and the
 * head's. Hashed n-grams know only the phrasings of 130 hateful training statements; the pooled vectors
 * carry their meaning to paraphrases, which raised cross-validated recall (MODEL_CARD.md).
 */
export const HateHeadFile = z.object({
  type: z.literal('toxicity-hate-head'),
  version: z.literal(1),
  pooling: PoolingOptions,
  model: DenseModelFile,
});
export type HateHeadFile = z.infer<typeof HateHeadFile>;

const logit = (p: number): number => {
  const c = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(c / (1 - c));
};

/** The head's input row: the linear model's logit, then the pooled vectors. */
export function hateHeadInputs(linear: number, pooled: ArrayLike<number>): number[] {
  const out = [logit(linear)];
  for (let i = 0; i < pooled.length; i++) out.push(pooled[i]!);
  return out;
}

/**
 * The blended hate score of a (normalised) text: mean of the linear score and the head's. `words`, when
 * given, must be `featureWords(text, n)` (ml/fast-features.ts) for some `n` of at least the text's
 * length: the words are then not split again (same result).
 */
export type HateScorer = (text: string, linear: number, words?: readonly string[]) => number;

/** Validates a head file and returns its blended scorer over the given word vectors. */
export function loadHateHead(file: unknown, vectors: WordVectors): HateScorer {
  const f = HateHeadFile.parse(file);
  const model = loadDenseModel(f.model);
  if (model.inputs !== 1 + 2 * vectors.dims)
    throw new Error('toxicity hate head: input size disagrees with the word vectors');
  return (text, linear, words) => {
    // `pool` splits the text's first `maxChars` units: the given words when the text is no longer.
    const pooled =
      words !== undefined && text.length <= f.pooling.maxChars
        ? vectors.poolWords(words, f.pooling)
        : vectors.pool(text, f.pooling);
    // `hateHeadInputs` as a typed array (the same values; the harmful head gets one too, so the dense
    // model sees one kind of input).
    const x = new Float64Array(1 + pooled.length);
    x[0] = logit(linear);
    x.set(pooled, 1);
    return (linear + model.score(x)) / 2;
  };
}
