/**
 * Rows for a fairness audit from the columns of a CSV: the label, the prediction (0/1, mapped from
 * values, or thresholded), an optional score and the sensitive columns, after an optional `--filter`.
 * The CSV is streamed; only the compact rows are kept (group values are interned, so a million rows
 * over a handful of groups share a handful of arrays). Bad rows are counted with a few line numbers per
 * reason, never fatal; a missing column is an error naming the columns that exist.
 */
import type { AuditRow } from '@parapet/core';
import { didYouMean } from '../config/did-you-mean.ts';
import { type CsvOptions, readCsvBatches } from './csv.ts';
import { compileFilter, listColumns, parseFilter, type RowFilter } from './filter.ts';

/** Which columns to read and how to turn cells into an audit row. */
export interface TableSpec {
  label: string;
  /** The label value that means positive; absent: labels must be 0/1 (or true/false). */
  positive?: string;
  prediction: string;
  /** Prediction values that mean positive (`Medium,High`); everything else non-empty is negative. */
  predictionPositive?: readonly string[];
  /** Numeric predictions: positive when the value is ≥ this threshold. */
  predictionThreshold?: number;
  score?: string;
  /** Rescale scores linearly from [min, max] to [0, 1]; absent: scores must already lie in [0, 1]. */
  scoreRange?: readonly [number, number];
  sensitive: readonly string[];
  filter?: string;
  csv?: CsvOptions;
}

/** One kind of bad row: how many, and the first few line numbers and values. */
export interface BadRowReason {
  reason: string;
  count: number;
  /** The first BAD_ROW_SAMPLES 1-based line numbers (of the record's first line). */
  lines: number[];
  /** The first few distinct offending values, where there is one. */
  values: string[];
}

/** What reading the table found; `--json` prints it as `input`. */
export interface InputStats {
  /** Columns of the header. */
  columns: string[];
  /** Data records read (blank lines not counted). */
  rowsRead: number;
  /** Records with the wrong number of fields or that could not be read whole (before the filter). */
  malformed: number;
  /** Well-formed records the filter kept (all of them without a filter). */
  keptByFilter: number;
  /** Well-formed records the filter dropped. */
  filteredOut: number;
  /** Kept records with an unusable label, prediction or score. */
  badValues: number;
  /** malformed + badValues. */
  badRows: number;
  /** Rows in the audit. */
  rowsAudited: number;
  /** Bad rows by reason, most frequent first. */
  badRowReasons: BadRowReason[];
  /** Notes about the input (duplicate header names, …). */
  warnings: string[];
}

/** A usage problem with the table: missing column, no header, nothing left to audit. */
export class TableInputError extends Error {
  /** True when the command line is at fault (a column that does not exist): exit code 2. */
  readonly usage: boolean;
  constructor(message: string, usage: boolean) {
    super(message);
    this.name = 'TableInputError';
    this.usage = usage;
  }
}

/** Line numbers kept per bad-row reason. */
export const BAD_ROW_SAMPLES = 5;
/** The group value given to an empty sensitive cell. */
export const EMPTY_GROUP = '(empty)';

/**
 * Reads the rows of an audit from CSV chunks. Throws TableInputError for a missing column or header
 * (usage) and FilterError for a bad `--filter`; rows with problems are counted in the stats.
 */
export async function readAuditTable(
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  spec: TableSpec,
): Promise<{ rows: AuditRow[]; stats: InputStats }> {
  const parsedFilter = spec.filter === undefined ? null : parseFilter(spec.filter);
  const stats: InputStats = {
    columns: [],
    rowsRead: 0,
    malformed: 0,
    keptByFilter: 0,
    filteredOut: 0,
    badValues: 0,
    badRows: 0,
    rowsAudited: 0,
    badRowReasons: [],
    warnings: [],
  };
  const reasons = new Map<string, BadRowReason>();
  const bad = (reason: string, line: number, value?: string): void => {
    let entry = reasons.get(reason);
    if (entry === undefined) {
      entry = { reason, count: 0, lines: [], values: [] };
      reasons.set(reason, entry);
    }
    entry.count++;
    if (entry.lines.length < BAD_ROW_SAMPLES) entry.lines.push(line);
    if (value !== undefined && entry.values.length < BAD_ROW_SAMPLES && !entry.values.includes(value)) {
      entry.values.push(value);
    }
  };

  const rows: AuditRow[] = [];
  const interned = new Map<string, readonly string[]>();
  let header: string[] | null = null;
  let width = 0;
  let filter: RowFilter | null = null;
  let readLabel: (cell: string) => 0 | 1 | null = () => null;
  let readPrediction: (cell: string) => 0 | 1 | null = () => null;
  let readScore: ((cell: string) => number | null) | null = null;
  let at = { label: 0, prediction: 0, score: -1, sensitive: [] as number[] };

  for await (const batch of readCsvBatches(chunks, spec.csv)) {
    for (const record of batch) {
      if (header === null) {
        if (record.error !== undefined) {
          throw new TableInputError(
            `the header (line ${record.line}) could not be read: ${record.error}`,
            false,
          );
        }
        header = record.fields.map((name) => name.trim());
        width = header.length;
        stats.columns = header;
        at = resolveColumns(header, spec, stats.warnings);
        filter = parsedFilter === null ? null : compileFilter(parsedFilter, header);
        readLabel = labelReader(spec);
        readPrediction = predictionReader(spec);
        readScore = spec.score === undefined ? null : scoreReader(spec);
        continue;
      }
      stats.rowsRead++;
      const fields = record.fields;
      if (record.error !== undefined) {
        stats.malformed++;
        bad(record.error, record.line);
        continue;
      }
      if (fields.length !== width) {
        stats.malformed++;
        bad(`wrong number of fields (the header has ${width})`, record.line, String(fields.length));
        continue;
      }
      if (filter !== null && !filter(fields)) {
        stats.filteredOut++;
        continue;
      }
      stats.keptByFilter++;

      const labelCell = fields[at.label]!.trim();
      const label = readLabel(labelCell);
      if (label === null) {
        stats.badValues++;
        bad(labelProblem(labelCell), record.line, labelCell);
        continue;
      }
      const predictionCell = fields[at.prediction]!.trim();
      const prediction = readPrediction(predictionCell);
      if (prediction === null) {
        stats.badValues++;
        bad(predictionProblem(spec, predictionCell), record.line, predictionCell);
        continue;
      }
      let score: number | null = null;
      if (readScore !== null) {
        const scoreCell = fields[at.score]!.trim();
        score = readScore(scoreCell);
        if (score === null) {
          stats.badValues++;
          bad(scoreProblem(spec, scoreCell), record.line, scoreCell);
          continue;
        }
      }
      const values = at.sensitive.map((index) => fields[index]!.trim() || EMPTY_GROUP);
      const key = values.join('\u0000');
      let groups = interned.get(key);
      if (groups === undefined) {
        groups = values;
        interned.set(key, groups);
      }
      rows.push({ label, prediction, score, groups });
    }
  }
  if (header === null) throw new TableInputError('the file is empty: no header line', false);
  stats.badRows = stats.malformed + stats.badValues;
  stats.rowsAudited = rows.length;
  stats.badRowReasons = [...reasons.values()].sort((a, b) => b.count - a.count);
  return { rows, stats };
}

/** Column indexes of the spec in the header; throws for a column that does not exist. */
function resolveColumns(
  header: readonly string[],
  spec: TableSpec,
  warnings: string[],
): { label: number; prediction: number; score: number; sensitive: number[] } {
  const find = (name: string, option: string): number => {
    const index = header.indexOf(name);
    if (index === -1) {
      const suggestion = didYouMean(name, header);
      const hint = suggestion === null ? '' : `; did you mean \`${suggestion}\`?`;
      throw new TableInputError(
        `column \`${name}\` (${option}) is not in the header${hint} The columns are: ${listColumns(header)}`,
        true,
      );
    }
    if (header.indexOf(name, index + 1) !== -1) {
      warnings.push(
        `the header names \`${name}\` more than once; the first one (column ${index + 1}) is used`,
      );
    }
    return index;
  };
  return {
    label: find(spec.label, '--label'),
    prediction: find(spec.prediction, '--prediction'),
    score: spec.score === undefined ? -1 : find(spec.score, '--score'),
    sensitive: spec.sensitive.map((name) => find(name, '--sensitive')),
  };
}

/** 0/1 from `1`/`0` (also `1.0`, `true`/`false`, any case); null otherwise. */
function binary(cell: string): 0 | 1 | null {
  if (cell === '1' || cell === '0') return cell === '1' ? 1 : 0;
  const lower = cell.toLowerCase();
  if (lower === 'true') return 1;
  if (lower === 'false') return 0;
  if (cell === '') return null;
  const value = Number(cell);
  return value === 1 ? 1 : value === 0 ? 0 : null;
}

function labelReader(spec: TableSpec): (cell: string) => 0 | 1 | null {
  const positive = spec.positive;
  if (positive === undefined) return binary;
  return (cell) => (cell === '' ? null : cell === positive ? 1 : 0);
}

function labelProblem(cell: string): string {
  if (cell === '') return 'empty label';
  return 'label is not 0/1 (pass --positive VALUE to name the positive label)';
}

function predictionReader(spec: TableSpec): (cell: string) => 0 | 1 | null {
  if (spec.predictionPositive !== undefined) {
    const positives = new Set(spec.predictionPositive);
    return (cell) => (cell === '' ? null : positives.has(cell) ? 1 : 0);
  }
  const threshold = spec.predictionThreshold;
  if (threshold !== undefined) {
    return (cell) => {
      if (cell === '') return null;
      const value = Number(cell);
      return Number.isNaN(value) ? null : value >= threshold ? 1 : 0;
    };
  }
  return binary;
}

function predictionProblem(spec: TableSpec, cell: string): string {
  if (cell === '') return 'empty prediction';
  if (spec.predictionThreshold !== undefined) return 'prediction is not a number';
  return 'prediction is not 0/1 (pass --prediction-positive VALUES or --prediction-threshold X)';
}

function scoreReader(spec: TableSpec): (cell: string) => number | null {
  const [low, high] = spec.scoreRange ?? [0, 1];
  const span = high - low;
  return (cell) => {
    if (cell === '') return null;
    const value = Number(cell);
    if (!Number.isFinite(value) || value < low || value > high) return null;
    return span === 1 && low === 0 ? value : (value - low) / span;
  };
}

function scoreProblem(spec: TableSpec, cell: string): string {
  if (cell === '') return 'empty score';
  const value = Number(cell);
  if (!Number.isFinite(value)) return 'score is not a number';
  if (spec.scoreRange === undefined) return 'score outside [0, 1] (pass --score-range MIN,MAX to rescale)';
  return `score outside [${spec.scoreRange[0]}, ${spec.scoreRange[1]}] (--score-range)`;
}
