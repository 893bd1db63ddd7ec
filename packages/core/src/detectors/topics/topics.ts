/**
 * Topic classification without a training step: each topic is the set of its example sentences (and its
 * keywords), embedded as hashed word and character n-gram vectors (features.ts: the shape of `textFeatures`
 * in `ml/`, computed faster), reweighted by how specific each n-gram is to few topics (an IDF computed over
 * the topic library plus background sentences), and compared with a text by cosine similarity, both to the topic's centroid and to its
 * nearest example. Keywords (whole words, case-insensitive, simple English plurals) add evidence on top.
 * A text gets every topic whose combined score reaches `min_score`, best first, at most `max_labels`.
 *
 * Findings: family `topics`, type = the topic id, `span: null` (a topic is about the whole segment),
 * `segment` set. Only the first {@link TOPICS_MAX_CHARS} code units of a segment are classified, after the
 * engine's normalisation (invisible characters and look-alike letters cannot hide a keyword).
 *
 * The detector is pure and built once: topic vectors and the keyword automaton are computed at creation.
 */
import { z } from 'zod';
import type { Finding } from '../../model/finding.ts';
import type { Segment } from '../../model/segment.ts';
import { createAhoCorasick } from '../aho-corasick.ts';
import type { Detector } from '../contract.ts';
import { normalizeText } from '../normalize.ts';
import type { DetectorDefinition } from '../registry.ts';
import { scratch, scratchTopicFeatures, TOPIC_FEATURE_DIMS, topicFeatures } from './features.ts';
import { BACKGROUND_EXAMPLES, DEFAULT_TOPICS, type TopicDefinition } from './library.ts';

export { BACKGROUND_EXAMPLES, DEFAULT_TOPICS, type TopicDefinition } from './library.ts';

/** Only this many UTF-16 code units from the start of a segment are classified. */
export const TOPICS_MAX_CHARS = 4000;

/** Weight of an n-gram no topic uses (it still counts in the text's norm, so off-topic text scores low). */
const UNSEEN_WEIGHT = 1;
/** Similarity (cosine) below which a topic gets nothing from similarity, and at which it gets the full share. */
const SIMILARITY_FLOOR = 0.08;
const SIMILARITY_FULL = 0.42;
/** The nearest single example counts a little less than the centroid (one example can be a fluke). */
const EXAMPLE_FACTOR = 0.7;
/** Share of the score similarity alone can give. */
const SIMILARITY_WEIGHT = 0.8;
/** Evidence from the first keyword, and from each further distinct keyword. */
const KEYWORD_FIRST = 0.45;
const KEYWORD_MORE = 0.2;
const KEYWORD_MAX = 0.8;

const TOPIC_ID = /^[a-z][a-z0-9_]{0,63}$/;

/** A topic an organisation defines in config. */
export const CustomTopic = z.object({
  /** Reported as the finding type; replaces a default topic of the same id. */
  id: z.string().regex(TOPIC_ID, 'topic ids are lower case letters, digits and `_`, starting with a letter'),
  description: z.string().max(500).optional(),
  /** Sentences typical of the topic (at least one; five or more work best). */
  examples: z.array(z.string().trim().min(1).max(4000)).min(1).max(500),
  /** Words or phrases that point at the topic (whole words, case-insensitive). */
  keywords: z.array(z.string().trim().min(1).max(200)).max(1000).default([]),
});
export type CustomTopic = z.infer<typeof CustomTopic>;

/** Settings of the topics detector. */
export const TopicsSettings = z
  .object({
    /** Topics scoring below this are not reported. */
    min_score: z.number().min(0).max(1).default(0.5),
    /** At most this many topics per segment, best first. */
    max_labels: z.number().int().min(1).max(100).default(3),
    /** Default topics to turn off, by id. */
    disable: z.array(z.string()).default([]),
    /** The organisation's own topics (a custom topic with a default id replaces the default). */
    custom: z.array(CustomTopic).max(500).default([]),
  })
  .superRefine((settings, ctx) => {
    const known = new Set([...DEFAULT_TOPICS.map((t) => t.id), ...settings.custom.map((t) => t.id)]);
    for (const [i, id] of settings.disable.entries()) {
      if (!known.has(id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['disable', i],
          message: `unknown topic \`${id}\` in \`disable\`; use one of ${[...known].join(', ')}`,
        });
      }
    }
    const seen = new Set<string>();
    for (const [i, topic] of settings.custom.entries()) {
      if (seen.has(topic.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['custom', i, 'id'],
          message: `custom topic \`${topic.id}\` is defined twice; merge its examples into one entry`,
        });
      }
      seen.add(topic.id);
    }
  });
export type TopicsSettings = z.infer<typeof TopicsSettings>;

/** One topic of a classified text. */
export interface TopicLabel {
  topic: string;
  /** 0…1, rounded to two decimals. */
  score: number;
  /** Best cosine similarity (centroid or nearest example, after {@link EXAMPLE_FACTOR}). */
  similarity: number;
  /** Distinct keywords of the topic found in the text. */
  keywords: number;
}

/** Options of {@link createTopicClassifier}. */
export interface TopicClassifierOptions {
  /** Labels below this score are dropped (default 0.5). */
  minScore?: number;
  /** At most this many labels, best first (default 3). */
  maxLabels?: number;
}

/** A built topic classifier; `classify` is pure. */
export interface TopicClassifier {
  readonly topics: readonly string[];
  /** Topics of `text` at or above the minimum score, best first. */
  classify(text: string): TopicLabel[];
}

/** Adds simple English plural forms of single-word keywords. */
function keywordVariants(keyword: string): string[] {
  const k = keyword.toLowerCase();
  if (/[^a-z-]/.test(k)) return [k];
  if (k.endsWith('s') || k.endsWith('x') || k.endsWith('ch') || k.endsWith('sh')) return [k, `${k}es`];
  if (k.endsWith('y') && !/[aeiou]y$/.test(k)) return [k, `${k.slice(0, -1)}ies`];
  return [k, `${k}s`];
}

interface Postings {
  offsets: Int32Array;
  targets: Int32Array;
  weights: Float32Array;
}

/** Cuts `text` to at most `max` code units without splitting a surrogate pair. */
function head(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/**
 * Builds a classifier over `topics` (validated by the caller). Topic vectors, the IDF table, the inverted
 * index and the keyword automaton are computed once here.
 */
export function createTopicClassifier(
  topics: readonly TopicDefinition[],
  options: TopicClassifierOptions = {},
): TopicClassifier {
  const minScore = options.minScore ?? 0.5;
  const maxLabels = options.maxLabels ?? 3;
  const count = topics.length;
  const dims = TOPIC_FEATURE_DIMS;

  // Document frequency of each bucket over the topics plus the background "topic".
  const topicTexts = topics.map((t) => [...t.examples, t.keywords.join(' ')].filter((s) => s.length > 0));
  const df = new Uint16Array(dims);
  for (const texts of [...topicTexts, [...BACKGROUND_EXAMPLES]]) {
    const seen = new Set<number>();
    for (const text of texts) for (const i of topicFeatures(text, TOPICS_MAX_CHARS).indices) seen.add(i);
    for (const i of seen) df[i]!++;
  }
  const docs = count + 1;
  const idf = new Float32Array(dims);
  for (let b = 0; b < dims; b++) idf[b] = df[b] === 0 ? UNSEEN_WEIGHT : Math.log((docs + 1) / df[b]!);
  // N-grams in more than a third of the topics say little about any one of them; they count in a text's
  // norm but are left out of the index, which keeps scoring fast.
  const indexed = (b: number): boolean => df[b]! <= Math.max(1, docs / 3);

  /** IDF-weighted, L2-normalised sparse vector of a text. */
  const embed = (text: string): Map<number, number> => {
    const v = topicFeatures(text, TOPICS_MAX_CHARS);
    const out = new Map<number, number>();
    let norm = 0;
    for (let k = 0; k < v.indices.length; k++) {
      const w = v.values[k]! * idf[v.indices[k]!]!;
      out.set(v.indices[k]!, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [i, w] of out) out.set(i, w / norm);
    return out;
  };

  // Vectors: 0…count-1 are centroids, then every example; owner[v] is the topic of vector v.
  const vectors: Map<number, number>[] = [];
  const owner: number[] = [];
  const examples: Map<number, number>[][] = topicTexts.map((texts) => texts.map(embed));
  examples.forEach((list, t) => {
    const centroid = new Map<number, number>();
    for (const v of list) for (const [i, w] of v) centroid.set(i, (centroid.get(i) ?? 0) + w);
    let norm = 0;
    for (const w of centroid.values()) norm += w * w;
    norm = Math.sqrt(norm) || 1;
    for (const [i, w] of centroid) centroid.set(i, w / norm);
    vectors.push(centroid);
    owner.push(t);
  });
  examples.forEach((list, t) => {
    for (const v of list) {
      vectors.push(v);
      owner.push(t);
    }
  });

  // Inverted index (CSR): bucket → (vector, weight).
  const lengths = new Int32Array(dims + 1);
  for (const v of vectors) for (const i of v.keys()) if (indexed(i)) lengths[i + 1]!++;
  for (let b = 0; b < dims; b++) lengths[b + 1]! += lengths[b]!;
  const postings: Postings = {
    offsets: lengths,
    targets: new Int32Array(lengths[dims]!),
    weights: new Float32Array(lengths[dims]!),
  };
  const fill = lengths.slice(0, dims);
  vectors.forEach((v, id) => {
    for (const [i, w] of v) {
      if (!indexed(i)) continue;
      const at = fill[i]!++;
      postings.targets[at] = id;
      postings.weights[at] = w;
    }
  });

  // Keywords: one automaton, pattern id = topic index and keyword index.
  const patterns: { id: string; text: string }[] = [];
  topics.forEach((topic, t) => {
    topic.keywords.forEach((keyword, k) => {
      for (const variant of keywordVariants(keyword)) patterns.push({ id: `${t}:${k}`, text: variant });
    });
  });
  const automaton = createAhoCorasick(patterns, { caseInsensitive: true, wholeWords: true });
  const ids = topics.map((t) => t.id);
  // Scratch buffers of classify, reused (every call overwrites or zeroes what it reads).
  let weights = new Float32Array(1024);
  const dots = new Float64Array(vectors.length);

  return {
    topics: ids,
    classify(text: string): TopicLabel[] {
      if (text.length === 0 || count === 0) return [];
      const sample = normalizeText(head(text, TOPICS_MAX_CHARS)).text;
      const size = scratchTopicFeatures(sample, TOPICS_MAX_CHARS);
      if (size === 0) return [];
      // IDF-weight the query, then accumulate dot products through the inverted index.
      const indices = scratch.indices;
      const values = scratch.values;
      if (weights.length < size) weights = new Float32Array(2 * size);
      let norm = 0;
      for (let k = 0; k < size; k++) {
        const w = values[k]! * idf[indices[k]!]!;
        weights[k] = w;
        norm += w * w;
      }
      norm = Math.sqrt(norm) || 1;
      dots.fill(0);
      const { offsets, targets, weights: postingWeights } = postings;
      for (let k = 0; k < size; k++) {
        const b = indices[k]!;
        const end = offsets[b + 1]!;
        let p = offsets[b]!;
        if (p === end) continue;
        const w = weights[k]! / norm;
        for (; p < end; p++) dots[targets[p]!]! += w * postingWeights[p]!;
      }
      const similarity = new Float64Array(count);
      for (let t = 0; t < count; t++) similarity[t] = dots[t]!;
      for (let v = count; v < vectors.length; v++) {
        const s = dots[v]! * EXAMPLE_FACTOR;
        const t = owner[v]!;
        if (s > similarity[t]!) similarity[t] = s;
      }
      const hits = new Map<number, Set<string>>();
      for (const match of automaton.search(sample)) {
        const t = Number(match.id.slice(0, match.id.indexOf(':')));
        let set = hits.get(t);
        if (set === undefined) {
          set = new Set();
          hits.set(t, set);
        }
        set.add(match.id);
      }
      const labels: TopicLabel[] = [];
      for (let t = 0; t < count; t++) {
        const sim = similarity[t]!;
        const simShare = Math.min(
          1,
          Math.max(0, (sim - SIMILARITY_FLOOR) / (SIMILARITY_FULL - SIMILARITY_FLOOR)),
        );
        const keywords = hits.get(t)?.size ?? 0;
        const keywordScore =
          keywords === 0 ? 0 : Math.min(KEYWORD_MAX, KEYWORD_FIRST + KEYWORD_MORE * (keywords - 1));
        const score = 1 - (1 - SIMILARITY_WEIGHT * simShare) * (1 - keywordScore);
        const rounded = Math.round(Math.min(0.99, score) * 100) / 100;
        if (rounded < minScore) continue;
        labels.push({ topic: ids[t]!, score: rounded, similarity: Math.round(sim * 1000) / 1000, keywords });
      }
      labels.sort((a, b) => b.score - a.score || b.similarity - a.similarity || (a.topic < b.topic ? -1 : 1));
      return labels.slice(0, maxLabels);
    },
  };
}

/** The topics a settings object resolves to: defaults minus `disable`, with custom topics added or replacing. */
export function resolveTopics(settings: TopicsSettings): TopicDefinition[] {
  const disabled = new Set(settings.disable);
  const custom = new Map(settings.custom.map((t) => [t.id, t]));
  const topics: TopicDefinition[] = [];
  for (const topic of DEFAULT_TOPICS) {
    if (disabled.has(topic.id) || custom.has(topic.id)) continue;
    topics.push(topic);
  }
  for (const topic of settings.custom) {
    if (disabled.has(topic.id)) continue;
    topics.push({
      id: topic.id,
      description: topic.description ?? `custom topic ${topic.id}`,
      keywords: topic.keywords,
      examples: topic.examples,
    });
  }
  return topics;
}

/** Builds the topics detector; settings are validated and topic vectors built once, here. */
export function createTopicsDetector(settings: z.input<typeof TopicsSettings> = {}): Detector {
  const resolved = TopicsSettings.parse(settings);
  const classifier = createTopicClassifier(resolveTopics(resolved), {
    minScore: resolved.min_score,
    maxLabels: resolved.max_labels,
  });
  return {
    id: 'topics',
    family: 'topics',
    inspect(segments: readonly Segment[]): Finding[] {
      const findings: Finding[] = [];
      for (const segment of segments) {
        for (const label of classifier.classify(segment.text)) {
          findings.push({
            family: 'topics',
            type: label.topic,
            score: label.score,
            segment: segment.index,
            span: null,
            detector: 'topics.similarity',
            explanation: `similarity ${label.similarity} to the examples of topic \`${label.topic}\`, ${label.keywords} of its keywords`,
          });
        }
      }
      return findings;
    },
  };
}

/** Registry entry for the topics detector. */
export const topicsDefinition: DetectorDefinition<typeof TopicsSettings> = {
  id: 'topics',
  family: 'topics',
  description:
    'Labels what a text is about (legal, medical, HR, finance, source code, politics, …) from example sentences and keywords, including custom topics',
  languages: ['en'],
  settings: TopicsSettings,
  create: (settings) => createTopicsDetector(settings),
};
