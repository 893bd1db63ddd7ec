/**
 * Harmful goals for the jailbreak probes (issue 8). The project does not write harmful goals: they are
 * read at run time from a file the user supplies (`parapet redteam --goals FILE`), e.g. AdvBench or
 * StrongREJECT in the layout of ../shared/datasets (JSONL with a `text` field).
 *
 * Accepted layouts, detected per file:
 * - JSONL: one object per line with a `text`, `goal` or `prompt` string field (the first present wins);
 * - JSON: an array of such objects or of strings;
 * - CSV (`.csv`): a header row with a `goal`, `text` or `prompt` column (AdvBench's harmful_behaviors.csv);
 * - plain text: one goal per line; blank lines and lines starting with `#` are skipped.
 * Goals are trimmed and de-duplicated, in file order.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseCsv } from '../audit/csv.ts';

const FIELDS = ['text', 'goal', 'prompt'] as const;

export class GoalsFileError extends Error {
  override name = 'GoalsFileError';
}

export interface ReadGoalsOptions {
  /** Keep at most this many goals (after de-duplication), in file order. */
  limit?: number;
}

function goalOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  for (const f of FIELDS) {
    const v = record[f];
    if (typeof v === 'string') return v;
  }
  return null;
}

/** Parses the text of a goals file; `name` (the file name) picks CSV by extension and labels errors. */
export function parseGoals(text: string, name = 'goals', options: ReadGoalsOptions = {}): string[] {
  const raw: string[] = [];
  const body = text.replace(/^\uFEFF/, '');
  const trimmed = body.trimStart();
  if (extname(name).toLowerCase() === '.csv') {
    const records = parseCsv(body);
    const header = records[0]?.fields.map((h) => h.trim().toLowerCase()) ?? [];
    const column = ['goal', 'text', 'prompt'].map((f) => header.indexOf(f)).find((i) => i >= 0);
    if (column === undefined)
      throw new GoalsFileError(`${name}: no goal, text or prompt column in the CSV header`);
    for (const r of records.slice(1)) {
      const v = r.fields[column];
      if (v !== undefined) raw.push(v);
    }
  } else if (trimmed.startsWith('[')) {
    let data: unknown;
    try {
      data = JSON.parse(body);
    } catch (err) {
      throw new GoalsFileError(`${name}: invalid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(data)) throw new GoalsFileError(`${name}: expected a JSON array`);
    data.forEach((item, i) => {
      const g = goalOf(item);
      if (g === null) throw new GoalsFileError(`${name}: item ${i} has no text, goal or prompt string`);
      raw.push(g);
    });
  } else {
    body.split(/\r?\n/).forEach((line, i) => {
      const l = line.trim();
      if (l.length === 0 || l.startsWith('#')) return;
      if (l.startsWith('{')) {
        let obj: unknown;
        try {
          obj = JSON.parse(l);
        } catch (err) {
          throw new GoalsFileError(`${name}:${i + 1}: invalid JSON: ${(err as Error).message}`);
        }
        const g = goalOf(obj);
        if (g === null) throw new GoalsFileError(`${name}:${i + 1}: no text, goal or prompt string field`);
        raw.push(g);
      } else {
        raw.push(l);
      }
    });
  }
  const seen = new Set<string>();
  const goals: string[] = [];
  for (const r of raw) {
    const g = r.trim();
    if (g.length === 0 || seen.has(g)) continue;
    seen.add(g);
    goals.push(g);
    if (options.limit !== undefined && goals.length >= options.limit) break;
  }
  return goals;
}

/** Reads a goals file (see the module comment for the layouts). Throws GoalsFileError when it has none. */
export function readGoals(path: string, options: ReadGoalsOptions = {}): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new GoalsFileError(`cannot read goals file ${path}: ${(err as Error).message}`);
  }
  const goals = parseGoals(text, path, options);
  if (goals.length === 0) throw new GoalsFileError(`${path}: no goals found`);
  return goals;
}
