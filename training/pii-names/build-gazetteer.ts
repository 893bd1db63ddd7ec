/**
 * Builds models/pii-names/gazetteer.json from the hand-written lists in ./lists and the TUNING split
 * (records whose id ends in an even digit) of presidio-synth-pii (MIT, train-ok).
 *
 * Usage (from the repository root):
 *   node --import tsx training/pii-names/build-gazetteer.ts [--datasets ../shared/datasets]
 *
 * Deterministic: no randomness, every list is de-duplicated, lower-cased and sorted, so the same inputs
 * always give byte-identical output.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getEncoding } from 'js-tiktoken';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const OUT = join(ROOT, 'models/pii-names/gazetteer.json');

interface Span {
  start: number;
  end: number;
  type: string;
  value: string;
}
interface Row {
  id: string;
  text: string;
  spans: Span[];
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Reads a list file: `#` comments, entries separated by spaces (or by `|` when the file uses pipes). */
function readList(file: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync(join(HERE, 'lists', file), 'utf8').split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const parts = line.includes('|') ? line.split('|') : line.split(/\s+/);
    for (const p of parts) if (p.trim()) out.push(p.trim());
  }
  return out;
}

const norm = (s: string) => s.normalize('NFC').toLowerCase();
const sorted = (s: Set<string>) => [...s].sort();

const datasets = resolve(ROOT, argValue('--datasets') ?? '../shared/datasets');
const rows: Row[] = readFileSync(join(datasets, 'presidio-synth-pii/data.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Row)
  .filter((r) => Number(r.id.at(-1)) % 2 === 0); // TUNING split only

const stopwords = new Set(readList('common-words.txt').map(norm));
const ambiguous = new Set(readList('ambiguous-names.txt').map(norm));
const given = new Set(readList('first-names.txt').map(norm));
const surnames = new Set(readList('surnames.txt').map(norm));
const places = new Set(readList('places.txt').map(norm));
const organizations = new Set<string>();

const WORD = /^[\p{Lu}][\p{L}\p{M}'’-]{1,40}$/u;
let learned = 0;
for (const row of rows) {
  for (const span of row.spans) {
    const value = span.value.trim();
    if (span.type === 'PERSON') {
      const toks = value.split(/\s+/).filter((t) => WORD.test(t));
      if (toks.length === 0) continue;
      const first = norm(toks[0]!);
      const last = norm(toks.at(-1)!);
      if (toks.length >= 2) {
        if (!stopwords.has(first) && !given.has(first)) {
          given.add(first);
          learned++;
        }
        if (!stopwords.has(last) && !surnames.has(last)) {
          surnames.add(last);
          learned++;
        }
      } else if (!stopwords.has(first) && !given.has(first) && !surnames.has(first)) {
        surnames.add(first);
        learned++;
      }
    } else if (span.type === 'GPE') {
      const v = norm(value);
      if (
        v.length >= 3 &&
        !stopwords.has(v) &&
        /^[\p{L}][\p{L}\p{M} '’.-]{1,60}$/u.test(v) &&
        !places.has(v)
      ) {
        places.add(v);
        learned++;
      }
    } else if (span.type === 'ORGANIZATION') {
      const v = norm(value);
      if (v.length >= 4 && !stopwords.has(v) && !v.includes(',') && !organizations.has(v)) {
        organizations.add(v);
        learned++;
      }
    }
  }
}
for (const a of ambiguous) stopwords.delete(a);

// Common lower-case English words: whole-word tokens among the 30,000 most frequent merges of the
// cl100k_base BPE vocabulary (js-tiktoken, MIT). A capitalised common word is weak name evidence; names
// that are also common words ("may", "mark", "rose") become ambiguous.
const COMMON_RANK_LIMIT = 30000;
const common = new Set<string>();
const enc = getEncoding('cl100k_base');
for (let id = 0; id < COMMON_RANK_LIMIT; id++) {
  let piece: string;
  try {
    piece = enc.decode([id]);
  } catch {
    continue;
  }
  if (/^ [a-z]{2,24}$/.test(piece)) common.add(piece.slice(1));
}
for (const w of common) {
  if (given.has(w) || surnames.has(w)) ambiguous.add(w);
}

const gazetteer = {
  version: 1,
  description:
    'Parapet offline name gazetteer: hand-written lists plus entities from the tuning split of presidio-synth-pii',
  given: sorted(given),
  surnames: sorted(surnames),
  places: sorted(places),
  organizations: sorted(organizations),
  stopwords: sorted(stopwords),
  ambiguous: sorted(ambiguous),
  common: sorted(common),
};
writeFileSync(OUT, JSON.stringify(gazetteer) + '\n');
console.log(
  `wrote ${OUT}: ${given.size} given, ${surnames.size} surnames, ${places.size} places, ` +
    `${organizations.size} organizations, ${stopwords.size} stopwords, ${ambiguous.size} ambiguous, ${common.size} common (${learned} learned from ${rows.length} tuning rows)`,
);
