/**
 * The NDJSON file a probe run appends its answers to (`--out FILE`), one JSON object a line, written as
 * each answer arrives so an interrupted run loses nothing. A re-run with the same file skips the items
 * already answered (same id, same prompt) and asks only the rest.
 *
 * Lines:
 * - `{"type":"meta","probe":"bbq","model":"…","endpoint":"…","at":"…"}` at the start of every run;
 * - `{"id":"…","prompt":"<hash>","answer":"…","usage":{…},"model":"…","finish":"stop","attempts":1,"ms":84,"at":"…"}`
 *   for an answer;
 * - `{"id":"…","prompt":"<hash>","error":"HTTP 400 …","status":400,"attempts":1,"ms":12,"at":"…"}` for an
 *   item that failed after its retries (asked again on the next run).
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Usage } from './client.ts';

/** One item's outcome, as stored. */
export interface ProbeRecord {
  id: string;
  /** Hash of the exact messages sent (promptHash), so a changed prompt is asked again. */
  prompt: string;
  /** The model's text; absent when the item failed. */
  answer?: string;
  /** The endpoint answered with a refusal instead of content. */
  refusal?: boolean;
  usage?: Usage | null;
  /** The model that answered, as the endpoint reported it. */
  model?: string | null;
  finish?: string | null;
  /** Why the item failed after its retries. */
  error?: string;
  status?: number | null;
  /** Requests sent for this item (1 + retries). */
  attempts: number;
  /** Wall time of the last attempt, in milliseconds. */
  ms: number;
  at: string;
}

/** The header line of one run. */
export interface ProbeMeta {
  type: 'meta';
  probe: string;
  model: string;
  endpoint: string;
  at: string;
  [key: string]: unknown;
}

/** What an existing results file holds. */
export interface LoadedResults {
  /** Answered items by id (the last answer wins). */
  answered: Map<string, ProbeRecord>;
  /** Items whose last record is a failure. */
  failed: Map<string, ProbeRecord>;
  metas: ProbeMeta[];
  /** Lines that are not JSON objects of the shapes above (e.g. a line cut by a crash). */
  corrupt: number;
  /** The file exists and its last byte is not a newline (a cut line): the next write starts a new line. */
  needsNewline: boolean;
}

/** Reads a results file; an absent file is an empty result. */
export function loadResults(file: string): LoadedResults {
  const loaded: LoadedResults = {
    answered: new Map(),
    failed: new Map(),
    metas: [],
    corrupt: 0,
    needsNewline: false,
  };
  if (!existsSync(file)) return loaded;
  const text = readFileSync(file, 'utf8');
  loaded.needsNewline = text.length > 0 && !text.endsWith('\n');
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      loaded.corrupt++;
      continue;
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      loaded.corrupt++;
      continue;
    }
    const record = json as Record<string, unknown>;
    if (record['type'] === 'meta') {
      if (typeof record['probe'] === 'string' && typeof record['model'] === 'string') {
        loaded.metas.push(record as unknown as ProbeMeta);
      } else loaded.corrupt++;
      continue;
    }
    if (typeof record['id'] !== 'string' || typeof record['prompt'] !== 'string') {
      loaded.corrupt++;
      continue;
    }
    const probe = record as unknown as ProbeRecord;
    if (typeof record['answer'] === 'string') {
      loaded.answered.set(probe.id, probe);
      loaded.failed.delete(probe.id);
    } else if (typeof record['error'] === 'string') {
      // A failure after an answer (a later run asked again) does not erase the answer.
      if (!loaded.answered.has(probe.id)) loaded.failed.set(probe.id, probe);
    } else loaded.corrupt++;
  }
  return loaded;
}

/** Appends lines to a results file, one write per line. */
export class ResultsWriter {
  readonly #fd: number;
  constructor(file: string, needsNewline: boolean) {
    this.#fd = openSync(file, 'a');
    if (needsNewline) writeSync(this.#fd, '\n');
  }
  write(line: ProbeRecord | ProbeMeta): void {
    writeSync(this.#fd, `${JSON.stringify(line)}\n`);
  }
  close(): void {
    closeSync(this.#fd);
  }
}
