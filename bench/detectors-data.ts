// Inputs of the detector benchmark, built at run time from the shared datasets (never copied into the
// repository): 1 KB prompts, a 100 KB document, the report split, and the pathological 1 MB inputs.
// Pure apart from `loadDataset` (reads a file); no dependency on packages/ or on the peers.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** One labelled record of a shared dataset (`data.jsonl`). */
export interface DatasetRecord {
  id: string;
  text: string;
  label: string;
  /** Character spans (UTF-16, end exclusive) when the dataset has them. */
  spans?: { start: number; end: number; type: string }[];
}

/** The datasets folder: `PARAPET_DATASETS`, else `../shared/datasets` next to the repository. */
export function datasetsDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env['PARAPET_DATASETS'] ?? join(root, '..', 'shared', 'datasets'));
}

/** Parses JSON Lines into records; blank lines are skipped, records without a string `text` dropped. */
export function parseJsonl(content: string): DatasetRecord[] {
  const out: DatasetRecord[] = [];
  for (const line of content.split('\n')) {
    if (line.trim() === '') continue;
    const value = JSON.parse(line) as Partial<DatasetRecord>;
    if (typeof value.text !== 'string' || typeof value.id !== 'string') continue;
    out.push({
      id: value.id,
      text: value.text,
      label: typeof value.label === 'string' ? value.label : '',
      ...(Array.isArray(value.spans) ? { spans: value.spans } : {}),
    });
  }
  return out;
}

/** Reads `<dir>/<name>/data.jsonl`; `null` when the dataset is absent. */
export function loadDataset(dir: string, name: string): DatasetRecord[] | null {
  const file = join(dir, name, 'data.jsonl');
  if (!existsSync(file)) return null;
  return parseJsonl(readFileSync(file, 'utf8'));
}

/** The report split: records whose id ends in an odd digit (even ids are the tuning split). */
export function isReportSplit(id: string): boolean {
  const last = id.charCodeAt(id.length - 1) - 48;
  return last >= 0 && last <= 9 && last % 2 === 1;
}

/** Size of `text` in UTF-8 bytes. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The longest prefix of `text` that fits in `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = utf8Bytes(ch);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}

/** A small seeded generator (mulberry32) returning floats in [0, 1): same seed, same inputs. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of {@link buildTexts}. */
export interface BuildTextsOptions {
  /** Text pools; each text takes its next piece from the pools in turn (a random piece of each pool). */
  pools: readonly (readonly string[])[];
  /** How many texts to build. */
  count: number;
  /** Size of each text in UTF-8 bytes (the last piece is cut to fit). */
  bytes: number;
  /** Seed of the piece choice. */
  seed: number;
}

/**
 * Builds `count` texts of exactly `bytes` UTF-8 bytes (or just under, never splitting a character) by
 * concatenating random pieces from the pools in turn, separated by a blank line, as a chat prompt that
 * pastes several messages together would read.
 */
export function buildTexts(options: BuildTextsOptions): string[] {
  const pools = options.pools.filter((p) => p.length > 0);
  if (pools.length === 0) throw new Error('no texts to build benchmark inputs from');
  const random = createRandom(options.seed);
  const out: string[] = [];
  let turn = 0;
  for (let i = 0; i < options.count; i++) {
    const parts: string[] = [];
    let size = 0;
    while (size < options.bytes) {
      const pool = pools[turn++ % pools.length]!;
      const piece = pool[Math.floor(random() * pool.length)]!;
      parts.push(piece);
      size += utf8Bytes(piece) + 2;
    }
    out.push(truncateUtf8(parts.join('\n\n'), options.bytes));
  }
  return out;
}

/** 1 MiB of UTF-16 code units, the size of the pathological inputs. */
export const ONE_MB = 1 << 20;

/** Repeats `unit` until the result is exactly `length` code units long (never splits a surrogate pair). */
export function fill(unit: string, length = ONE_MB): string {
  const whole = unit.repeat(Math.floor(length / unit.length));
  let rest = length - whole.length;
  let tail = '';
  for (const ch of unit) {
    if (ch.length > rest) break;
    tail += ch;
    rest -= ch.length;
  }
  return whole + tail + ' '.repeat(rest);
}

/**
 * The pathological inputs of packages/core/test/detectors/detector-contract.ts (the shapes that make
 * careless regular expressions backtrack), as name → builder for a given length.
 */
export const PATHOLOGICAL_KINDS: ReadonlyArray<readonly [string, (length: number) => string]> = [
  ['one character repeated', (n) => fill('a', n)],
  ['digits', (n) => fill('0123456789', n)],
  ['one digit repeated', (n) => fill('4', n)],
  ['`a@` repeated', (n) => fill('a@', n)],
  ['`a.` repeated', (n) => fill('a.', n)],
  ['digits and dots', (n) => fill('1.2.', n)],
  ['digits and dashes', (n) => fill('12-3', n)],
  ['base64-ish alphabet', (n) => fill('Zm9v+/=aB3/+', n)],
  ['`=` repeated', (n) => fill('=', n)],
  ['`/` and `+` alternating', (n) => fill('/+', n)],
  ['deeply nested brackets', (n) => '([{'.repeat(Math.floor(n / 6)) + '}])'.repeat(Math.floor(n / 6))],
  ['alternating case', (n) => fill('aAbBcCdDeE', n)],
  ['whitespace runs', (n) => fill(' \t\n\u00a0', n)],
  ['key-like assignments', (n) => fill('key=secret password: ', n)],
  ['hex', (n) => fill('deadbeef0123456789abcdef', n)],
  ['url fragments', (n) => fill('http://a.b/', n)],
  // Texts dense with real findings (tens to hundreds of thousands per MB): overlap resolution and the work
  // per finding must stay linear in their number.
  ['findings-dense: dates', (n) => fill('1 March ', n)],
  ['findings-dense: weekdays', (n) => fill('Monday ', n)],
  ['findings-dense: phone numbers', (n) => fill('+1 212 555 0100 ', n)],
  ['findings-dense: credentials', (n) => fill('password=hunter2 ', n)],
  ['findings-dense: high-entropy tokens', (n) => fill('token: cGFzc3dvcmQ9aHVudGVyMng= ', n)],
  ['findings-dense: classification markers', (n) => fill('CONFIDENTIAL ', n)],
];

/** What a Protection II slice holds: attacks (prompt injection, jailbreaks), harmful requests, or benign prompts. */
export type AttackSliceKind = 'attack' | 'harmful' | 'benign';

/** One column of the Protection II quality table: a dataset, or one labelled half of it. */
export interface AttackSlice {
  /** Column name, e.g. `jackhhao (jailbreak)`. */
  readonly key: string;
  readonly dataset: string;
  /** Only records with this label (two-class sets); absent = every record. */
  readonly label?: string;
  readonly kind: AttackSliceKind;
}

/**
 * The Protection II texts, as the quality gate (scripts/quality.ts) groups them: attack sets (their share
 * flagged is a true-positive rate), harmful-request sets (likewise), and benign sets (a false-positive rate).
 */
export const ATTACK_SLICES: readonly AttackSlice[] = [
  { key: 'jailbreak-llms-wild', dataset: 'jailbreak-llms-wild', kind: 'attack' },
  { key: 'giskard-prompt-injections', dataset: 'giskard-prompt-injections', kind: 'attack' },
  {
    key: 'jackhhao (jailbreak)',
    dataset: 'jackhhao-jailbreak-classification',
    label: 'jailbreak',
    kind: 'attack',
  },
  { key: 'advbench', dataset: 'advbench', kind: 'harmful' },
  { key: 'strongreject', dataset: 'strongreject', kind: 'harmful' },
  { key: 'forbidden-questions', dataset: 'jailbreak-llms-forbidden-questions', kind: 'harmful' },
  { key: 'xstest (unsafe)', dataset: 'xstest', label: 'harmful', kind: 'harmful' },
  { key: 'oasst1-prompts', dataset: 'oasst1-prompts', kind: 'benign' },
  { key: 'self-instruct-prompts', dataset: 'self-instruct-prompts', kind: 'benign' },
  { key: 'jackhhao (benign)', dataset: 'jackhhao-jailbreak-classification', label: 'benign', kind: 'benign' },
  { key: 'notinject', dataset: 'notinject', kind: 'benign' },
  { key: 'xstest (safe)', dataset: 'xstest', label: 'benign', kind: 'benign' },
];

/** The records of `slice` among `records` (its label only, when it has one), optionally the report split only. */
export function sliceRecords(
  records: readonly DatasetRecord[],
  slice: AttackSlice,
  options: { reportSplit: boolean; limit?: number },
): DatasetRecord[] {
  const out: DatasetRecord[] = [];
  for (const r of records) {
    if (options.limit !== undefined && out.length >= options.limit) break;
    if (slice.label !== undefined && r.label !== slice.label) continue;
    if (options.reportSplit && !isReportSplit(r.id)) continue;
    out.push(r);
  }
  return out;
}
