/**
 * Out-of-fold evaluation of the WHOLE prompt-attack detector (signatures, deobfuscation, classifier with
 * word windows, cue stage) inside the training split, for choosing signatures, cues and the model. Five
 * folds by the last id digit (0, 2, 4, 6, 8): the model of each fold is trained on the other four, its
 * operating threshold is the out-of-fold one train.ts uses (at most 1% false positives on each benign
 * set), and the detector runs with that model as it runs in the gateway (index.ts, same defaults).
 *
 * As the quality gate does, an attack text that also appears (case and whitespace ignored) among the
 * fold's training texts is left out of the "unseen" rate: the jailbreak half of jackhhao repeats
 * jailbreak-llms-wild. Never reads the report split (odd ids).
 *
 * Run: `node --import tsx training/prompt-attack/cv.ts [--misses FILE]` (FILE gets the missed attacks and
 * the benign texts flagged, with their scores and cues, for reading).
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { linearRow } from '../../packages/core/src/detectors/prompt-attack/classifier.ts';
import { attackCues } from '../../packages/core/src/detectors/prompt-attack/cues.ts';
import { deobfuscate, type Variant } from '../../packages/core/src/detectors/prompt-attack/deobfuscate.ts';
import {
  type LinearRow,
  scoreWithWindows,
} from '../../packages/core/src/detectors/prompt-attack/features.ts';
import { matchSignatures, SIGNATURES } from '../../packages/core/src/detectors/prompt-attack/signatures.ts';
import { normalizeText } from '../../packages/core/src/index.ts';
import { duplicateKey } from '../lib/train-linear.ts';
import { datasetsRoot, type LabelledText, trainingRows } from './data.ts';
import { lastDigit, METHODS, type Method, naiveBayes, thresholdFor, WORD3_CHAR } from './methods.ts';

/** Detector defaults (index.ts). */
const THRESHOLD = 0.5;
const CONFIRM_BELOW = 0.8;
const WINDOW_WORDS = 50;
const MIN_CLASSIFIED_VARIANT = 24;
const TARGET_FPR = 0.01;

export interface Prepared {
  r: LabelledText;
  key: string;
  text: string;
  variants: Variant[];
  /** Signature ids (score ≥ threshold) matched on the text or a decoded variant. */
  signatures: string[];
}

export interface Outcome {
  r: LabelledText;
  flagged: boolean;
  /** Out-of-fold logit relative to the operating threshold, best of text and variants. */
  score: number;
  signatures: string[];
  cues: string[];
  unseen: boolean;
}

function prepare(r: LabelledText): Prepared {
  const normalized = normalizeText(r.text);
  const variants = deobfuscate(r.text, normalized);
  const ids = new Set<string>();
  for (const m of matchSignatures(normalized.text, SIGNATURES))
    if (m.signature.score >= THRESHOLD) ids.add(m.signature.id);
  for (const v of variants)
    for (const m of matchSignatures(v.text, SIGNATURES))
      if (m.signature.score >= THRESHOLD) ids.add(m.signature.id);
  return { r, key: duplicateKey(r.text), text: normalized.text, variants, signatures: [...ids] };
}

/** Best windowed score over the text and its long-enough variants (as index.ts), with that text. */
function best(p: Prepared, row: LinearRow): { score: number; text: string } {
  let score = scoreWithWindows(p.text, row, WINDOW_WORDS);
  let text = p.text;
  for (const v of p.variants) {
    if (v.text.length < MIN_CLASSIFIED_VARIANT) continue;
    const s = scoreWithWindows(v.text, row, WINDOW_WORDS);
    if (s > score) {
      score = s;
      text = v.text;
    }
  }
  return { score, text };
}

/** The cue-gated band in logits relative to the classifier's out-of-fold threshold. */
export interface Gate {
  /** The classifier counts from this many logits BELOW the threshold (with a cue up to `upper`). */
  lower: number;
  /** From this many logits above the threshold, no cue is needed (today: logit(0.8) = 1.386). */
  upper: number;
}

export const TODAY: Gate = { lower: 0, upper: Math.log(CONFIRM_BELOW / (1 - CONFIRM_BELOW)) };

export interface Scored {
  p: Prepared;
  /** Best windowed logit minus the out-of-fold threshold's logit. */
  z: number;
  text: string;
  unseen: boolean;
}

/** Out-of-fold classifier scores of every training text for one method (relative to the OOF threshold). */
export function outOfFold(method: Method, rows: readonly LabelledText[]): Scored[] {
  const prepared = rows.map(prepare);
  const folds = [0, 2, 4, 6, 8];
  const raw: { p: Prepared; score: number; text: string; unseen: boolean }[] = [];
  for (const fold of folds) {
    const train = rows.filter((r) => lastDigit(r.id) !== fold);
    const seen = new Set(train.map((r) => duplicateKey(r.text)));
    const row = linearRow(method.fit(train, method.name));
    for (const p of prepared) {
      if (lastDigit(p.r.id) !== fold) continue;
      const b = best(p, row);
      raw.push({ p, ...b, unseen: !seen.has(p.key) });
    }
  }
  // One operating threshold from the out-of-fold whole-text-or-window scores: ≤ 1% FP on each benign set.
  const datasets = [...new Set(rows.filter((r) => !r.attack).map((r) => r.dataset))];
  const threshold = Math.max(
    ...datasets.map((d) =>
      thresholdFor(
        raw.filter((x) => !x.p.r.attack && x.p.r.dataset === d).map((x) => x.score),
        TARGET_FPR,
      ),
    ),
  );
  const t = Math.log(threshold / (1 - threshold));
  return raw.map((x) => ({
    p: x.p,
    z: Math.log(x.score / (1 - x.score)) - t,
    text: x.text,
    unseen: x.unseen,
  }));
}

/** The detector's decision on out-of-fold scores with the cue-gated band `gate`. */
export function decide(scored: readonly Scored[], gate: Gate): Outcome[] {
  return scored.map((x) => {
    let classifier = false;
    let cues: string[] = [];
    if (x.z >= -gate.lower) {
      if (x.z >= gate.upper) classifier = true;
      else {
        cues = attackCues(x.text);
        classifier = cues.length > 0;
      }
    }
    return {
      r: x.p.r,
      flagged: classifier || x.p.signatures.length > 0,
      score: x.z,
      signatures: x.p.signatures,
      cues,
      unseen: x.unseen,
    };
  });
}

function pct(a: number, n: number): string {
  return `${((100 * a) / Math.max(1, n)).toFixed(1)}% (${a}/${n})`;
}

export function summary(outcomes: readonly Outcome[]): string {
  const sets = [...new Set(outcomes.map((o) => o.r.dataset))].sort();
  const parts: string[] = [];
  for (const d of sets) {
    const att = outcomes.filter((o) => o.r.dataset === d && o.r.attack);
    const ben = outcomes.filter((o) => o.r.dataset === d && !o.r.attack);
    if (att.length > 0) {
      const unseen = att.filter((o) => o.unseen);
      parts.push(
        `${d} TPR ${pct(
          att.filter((o) => o.flagged).length,
          att.length,
        )}, unseen ${pct(unseen.filter((o) => o.flagged).length, unseen.length)}`,
      );
    }
    if (ben.length > 0) parts.push(`${d} FP ${pct(ben.filter((o) => o.flagged).length, ben.length)}`);
  }
  return parts.join('\n  ');
}

function main(): void {
  const rows = trainingRows(datasetsRoot()).sort((a, b) => (a.dataset + a.id < b.dataset + b.id ? -1 : 1));
  const args = process.argv.slice(2);
  const missesFile = args.includes('--misses') ? args[args.indexOf('--misses') + 1] : undefined;
  const name = process.env.CV_METHOD;
  const custom = process.env.CV_FEATURES;
  const method =
    custom !== undefined
      ? { name: `naive Bayes ${custom}`, fit: naiveBayes({ ...WORD3_CHAR, ...JSON.parse(custom) }) }
      : (METHODS.find((m) => m.name === name) ?? METHODS[METHODS.length - 1]!);
  const scored = outOfFold(method, rows);
  const gates = (process.env.CV_GATES ?? `0:${TODAY.upper}`).split(',').map((g) => {
    const [lower, upper] = g.split(':').map(Number);
    return { lower: lower ?? 0, upper: upper ?? TODAY.upper };
  });
  let outcomes: Outcome[] = [];
  for (const gate of gates) {
    outcomes = decide(scored, gate);
    console.log(
      `${method.name}, cue band from ${-gate.lower} to ${gate.upper.toFixed(3)} logits\n  ${summary(outcomes)}`,
    );
  }
  const band = process.env.CV_BAND;
  if (band !== undefined) {
    // Every text in the cue-gated band of the last gate, with its cues: which cues carry attacks, which benign texts.
    const gate = gates[gates.length - 1]!;
    for (const x of scored) {
      if (x.z < -gate.lower || x.z >= gate.upper) continue;
      console.log(
        `${x.p.r.attack ? 'ATTACK' : 'BENIGN'} ${x.p.r.id} z ${x.z.toFixed(2)} len ${x.text.length} sigs [${x.p.signatures.join(',')}] cues [${attackCues(x.text).join(',')}] ${x.p.r.text.slice(0, Number(band)).replace(/\s+/g, ' ')}`,
      );
    }
  }
  if (missesFile !== undefined) {
    const lines = outcomes
      .filter((o) => o.flagged !== o.r.attack)
      .map(
        (o) =>
          `=== ${o.r.attack ? 'MISSED' : 'FALSE POSITIVE'} ${o.r.dataset} ${o.r.id} logit ${o.score.toFixed(3)} unseen ${o.unseen} sigs [${o.signatures.join(',')}] cues [${o.cues.join(',')}] len ${o.r.text.length}\n${o.r.text}\n`,
      );
    writeFileSync(missesFile, lines.join('\n'));
  }
}

// Run only as a script (the test imports `decide`).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
