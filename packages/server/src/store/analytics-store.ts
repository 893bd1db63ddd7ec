/**
 * Reads the analytics rollups (migrations/0004-analytics.ts) for the analytics API, on SQLite or
 * PostgreSQL (`Store.sql`). A window of whole minutes is covered exactly by rollup rows: day rows for the
 * whole days inside it, hour rows for the whole hours left at each edge, minute rows for the rest. A time
 * series reads only rows that fit inside one of its buckets (day buckets at `+02:00` read hour rows, at
 * `+05:30` minute rows, never day rows), so every number is exact, distinct counts included: active users
 * are the distinct user names of the covering rows, never a sum of per-bucket counts.
 */
import {
  ENTITY_KINDS,
  type EntityKind,
  GRAINS,
  INPUT_OUTCOME_COLUMNS,
  NANO_PER_USD,
  OUTCOME_COLUMNS,
  OUTCOMES,
  type Outcome,
  RISK_WEIGHTS,
} from './analytics-rollup.ts';
import type { SqlAccess } from './ports.ts';

/** A window of whole minutes: epoch minutes (UTC), `until` exclusive. */
export interface MinuteWindow {
  since: number;
  until: number;
}

/**
 * Buckets of a time series: `grain` minutes long (1, 60 or 1440), their boundaries shifted by
 * `offset` minutes (a fixed UTC offset: local time = UTC + offset), so day buckets start at local midnight.
 */
export interface SeriesBuckets {
  grain: number;
  offset: number;
}

/** One rollup read: the rows of `grain` whose bucket is in `[from, to)`. */
export interface CoverPiece {
  grain: number;
  from: number;
  to: number;
}

/**
 * The pieces that cover `window` exactly: coarsest rows in the middle, finer at the edges. With
 * `buckets`, only grains that fit inside one series bucket are used (no coarser than it, and aligned with
 * its shifted boundaries).
 */
export function coverWindow(window: MinuteWindow, buckets?: SeriesBuckets): CoverPiece[] {
  const grains = GRAINS.filter(
    (g) =>
      buckets === undefined ||
      (g <= buckets.grain && buckets.grain % g === 0 && mod(buckets.offset, g) === 0),
  );
  const out: CoverPiece[] = [];
  const cover = (from: number, to: number, i: number) => {
    if (from >= to) return;
    const g = grains[i]!;
    if (g === 1) {
      out.push({ grain: 1, from, to });
      return;
    }
    const a = Math.ceil(from / g) * g;
    const b = Math.floor(to / g) * g;
    if (a >= b) {
      cover(from, to, i + 1);
      return;
    }
    cover(from, a, i + 1);
    out.push({ grain: g, from: a, to: b });
    cover(b, to, i + 1);
  };
  cover(window.since, window.until, 0);
  return out;
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** Usage measures summed over rollup rows. */
export interface UsageSums {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  errors: number;
}

/** One series bucket (or the whole window when `start` is null) of one outcome. */
export interface OutcomeUsage extends UsageSums {
  /** Epoch minute the series bucket starts at; null for the whole window. */
  start: number | null;
  outcome: Outcome;
}

export interface DistinctCount {
  start: number | null;
  kind: EntityKind;
  count: number;
}

/** A user, group, app, model or provider over a window. `name` is `''` for "none". */
export interface EntityStats extends UsageSums {
  name: string;
  outcomes: Record<Outcome, number>;
  high: number;
  medium: number;
  low: number;
  attacks: number;
  risk: number;
}

export type EntitySort = 'risk' | 'interactions' | 'cost' | 'tokens';

export interface FindingStats {
  family: string;
  /** `''` for the family as a whole. */
  type: string;
  events: number;
  inputEvents: number;
  outputEvents: number;
  findings: number;
}

export interface DestinationStats {
  family: string;
  type: string;
  /** The model the caller asked for; `''` when unknown. */
  model: string;
  /** Events that sent this type towards the model (in their input). */
  events: number;
  /** The same events by outcome. */
  outcomes: Record<Outcome, number>;
}

export interface FindingFilter {
  /** `family`: one row per family; `type`: one row per (family, type). */
  level: 'family' | 'type';
  /** Only these families. */
  families?: readonly string[];
  /** Leave these families out. */
  excludeFamilies?: readonly string[];
  limit: number;
}

export interface AnalyticsStore {
  /** Usage per outcome; per series bucket when `buckets` is given (empty buckets absent). */
  usageByOutcome(window: MinuteWindow, buckets?: SeriesBuckets): Promise<OutcomeUsage[]>;
  /** Distinct non-empty names of each kind; per series bucket when `buckets` is given. */
  distinctCounts(
    window: MinuteWindow,
    kinds: readonly EntityKind[],
    buckets?: SeriesBuckets,
  ): Promise<DistinctCount[]>;
  /**
   * Every name of a kind with its events, most first (ties by name): one read for both the distinct
   * count and a top list (lighter than `entities`).
   */
  nameTotals(kind: EntityKind, window: MinuteWindow): Promise<Array<{ name: string; requests: number }>>;
  /** The top `limit` names of a kind by `sort` (ties by name), or exactly `names` when given. */
  entities(
    kind: EntityKind,
    window: MinuteWindow,
    options: { sort: EntitySort; limit: number; names?: readonly string[] },
  ): Promise<EntityStats[]>;
  /** Detections by family or by (family, type), most events first (ties by family, type). */
  findings(window: MinuteWindow, filter: FindingFilter): Promise<FindingStats[]>;
  /** Detections in the input by (family, type, destination model), most events first. */
  destinations(window: MinuteWindow, filter: Omit<FindingFilter, 'level'>): Promise<DestinationStats[]>;
}

type Row = Record<string, unknown>;

/** A statement under construction: placeholders per dialect. */
class Statement {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: SqlAccess['dialect']) {}
  /** A placeholder bound to `value`. */
  p(value: unknown): string {
    this.values.push(value);
    return this.dialect === 'sqlite' ? '?' : `$${this.values.length}`;
  }
  /** Placeholders for a list (never empty: callers check). */
  list(values: readonly unknown[]): string {
    return values.map((v) => this.p(v)).join(', ');
  }
}

function int(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer: ${value}`);
  return String(value);
}

/** `bucket`'s series bucket start, for constant grain and offset. */
function seriesKey(buckets: SeriesBuckets | undefined): string {
  if (buckets === undefined) return 'NULL';
  const g = int(buckets.grain);
  const o = int(mod(buckets.offset, buckets.grain));
  return `(bucket - (((bucket + ${o}) % ${g}) + ${g}) % ${g})`;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

const RISK_SQL = `(${RISK_WEIGHTS.attacks} * SUM(attacks) + ${RISK_WEIGHTS.blocked} * SUM(blocked) + ${RISK_WEIGHTS.high} * SUM(sev_high) + ${RISK_WEIGHTS.medium} * SUM(sev_medium) + ${RISK_WEIGHTS.low} * SUM(sev_low))`;

const ENTITY_SORT_SQL: Readonly<Record<EntitySort, string>> = {
  risk: `${RISK_SQL} DESC, SUM(requests) DESC`,
  interactions: 'SUM(requests) DESC',
  cost: 'SUM(cost_nano_usd) DESC, SUM(requests) DESC',
  tokens: 'SUM(input_tokens) + SUM(output_tokens) DESC, SUM(requests) DESC',
};

export function createAnalyticsStore(sql: SqlAccess): AnalyticsStore {
  const dialect = sql.dialect;
  /** Byte-order comparison of text in both dialects (ties broken the same way). */
  const bytes = dialect === 'postgres' ? ' COLLATE "C"' : '';
  const cache = new Map<string, import('better-sqlite3').Statement>();

  async function run(text: string, values: unknown[]): Promise<Row[]> {
    if (sql.dialect === 'sqlite') {
      // Off the event loop when the store has a reader thread: these scans can take tens of ms.
      if (sql.read !== undefined) return sql.read<Row>(text, values);
      let statement = cache.get(text);
      if (statement === undefined) {
        statement = sql.db.prepare(text);
        if (cache.size >= 500) cache.clear();
        cache.set(text, statement);
      }
      return statement.all(values) as Row[];
    }
    return sql.query<Row>(text, values);
  }

  /** `SELECT <columns> FROM <table> WHERE <where> AND <piece>` for each piece, as one UNION ALL. */
  function covered(
    s: Statement,
    table: string,
    columns: string,
    pieces: readonly CoverPiece[],
    where: (s: Statement) => string | null,
  ): string | null {
    if (pieces.length === 0) return null;
    return pieces
      .map((piece) => {
        const extra = where(s);
        return `SELECT ${columns} FROM ${table} WHERE ${extra === null ? '' : `${extra} AND `}grain = ${int(piece.grain)} AND bucket >= ${s.p(piece.from)} AND bucket < ${s.p(piece.to)}`;
      })
      .join(' UNION ALL ');
  }

  const usageColumns =
    'SUM(requests) AS requests, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cost_nano_usd) AS cost, SUM(errors) AS errors';

  function usage(r: Row): UsageSums {
    return {
      requests: num(r['requests']),
      inputTokens: num(r['input_tokens']),
      outputTokens: num(r['output_tokens']),
      costUsd: num(r['cost']) / NANO_PER_USD,
      errors: num(r['errors']),
    };
  }

  function outcomeCounts(r: Row): Record<Outcome, number> {
    return Object.fromEntries(OUTCOMES.map((o) => [o, num(r[OUTCOME_COLUMNS[o]])])) as Record<
      Outcome,
      number
    >;
  }

  return {
    async usageByOutcome(window, buckets) {
      const s = new Statement(dialect);
      const inner = covered(
        s,
        'rollup_totals',
        `${seriesKey(buckets)} AS k, outcome, requests, input_tokens, output_tokens, cost_nano_usd, errors`,
        coverWindow(window, buckets),
        () => null,
      );
      if (inner === null) return [];
      const rows = await run(
        `SELECT k, outcome, ${usageColumns} FROM (${inner}) AS u GROUP BY k, outcome ORDER BY k, outcome`,
        s.values,
      );
      return rows.map((r) => ({
        start: r['k'] === null ? null : num(r['k']),
        outcome: r['outcome'] as Outcome,
        ...usage(r),
      }));
    },

    async distinctCounts(window, kinds, buckets) {
      if (kinds.length === 0) return [];
      const pieces = coverWindow(window, buckets);
      // Rows of the series' own grain fill whole buckets: their distinct names are counted on ingest
      // (`rollup_names`). Finer rows (the partial buckets at the edges, or every bucket when the offset
      // does not fit the grain) are counted here.
      const whole = buckets === undefined ? [] : pieces.filter((p) => p.grain === buckets.grain);
      const parts = pieces.filter((p) => !whole.includes(p));
      const out: DistinctCount[] = [];
      for (const piece of whole) {
        const s = new Statement(dialect);
        const rows = await run(
          `SELECT bucket, kind, names FROM rollup_names WHERE kind IN (${s.list(kinds)}) AND grain = ${int(piece.grain)} AND bucket >= ${s.p(piece.from)} AND bucket < ${s.p(piece.to)} AND names > 0`,
          s.values,
        );
        for (const r of rows) {
          out.push({ start: num(r['bucket']), kind: r['kind'] as EntityKind, count: num(r['names']) });
        }
      }
      const s = new Statement(dialect);
      const inner = covered(
        s,
        'rollup_entities',
        `${seriesKey(buckets)} AS k, kind, name`,
        parts,
        (st) => `kind IN (${st.list(kinds)}) AND name <> ''`,
      );
      if (inner !== null) {
        const rows = await run(
          `SELECT k, kind, COUNT(*) AS n FROM (SELECT DISTINCT k, kind, name FROM (${inner}) AS u) AS d GROUP BY k, kind`,
          s.values,
        );
        for (const r of rows) {
          out.push({
            start: r['k'] === null ? null : num(r['k']),
            kind: r['kind'] as EntityKind,
            count: num(r['n']),
          });
        }
      }
      return out.sort(
        (x, y) => (x.start ?? 0) - (y.start ?? 0) || (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : 0),
      );
    },

    async nameTotals(kind, window) {
      const s = new Statement(dialect);
      const inner = covered(
        s,
        'rollup_entities',
        'name, requests',
        coverWindow(window),
        (st) => `kind = ${st.p(kind)}`,
      );
      if (inner === null) return [];
      const rows = await run(
        `SELECT name, SUM(requests) AS requests FROM (${inner}) AS u GROUP BY name ORDER BY SUM(requests) DESC, name${bytes}`,
        s.values,
      );
      return rows.map((r) => ({ name: String(r['name']), requests: num(r['requests']) }));
    },

    async entities(kind, window, options) {
      if (!ENTITY_KINDS.includes(kind)) throw new RangeError(`unknown entity kind \`${kind}\``);
      if (options.names !== undefined && options.names.length === 0) return [];
      const s = new Statement(dialect);
      const outcomeCols = OUTCOMES.map((o) => OUTCOME_COLUMNS[o]);
      const inner = covered(
        s,
        'rollup_entities',
        `name, requests, input_tokens, output_tokens, cost_nano_usd, errors, ${outcomeCols.join(', ')}, sev_high, sev_medium, sev_low, attacks`,
        coverWindow(window),
        (st) =>
          options.names === undefined
            ? `kind = ${st.p(kind)}`
            : `kind = ${st.p(kind)} AND name IN (${st.list(options.names)})`,
      );
      if (inner === null) return [];
      const limit = options.names === undefined ? ` LIMIT ${int(options.limit)}` : '';
      const rows = await run(
        `SELECT name, ${usageColumns}, ${outcomeCols.map((c) => `SUM(${c}) AS ${c}`).join(', ')}, SUM(sev_high) AS sev_high, SUM(sev_medium) AS sev_medium, SUM(sev_low) AS sev_low, SUM(attacks) AS attacks, ${RISK_SQL} AS risk FROM (${inner}) AS u GROUP BY name ORDER BY ${ENTITY_SORT_SQL[options.sort]}, name${bytes}${limit}`,
        s.values,
      );
      return rows.map((r) => ({
        name: String(r['name']),
        ...usage(r),
        outcomes: outcomeCounts(r),
        high: num(r['sev_high']),
        medium: num(r['sev_medium']),
        low: num(r['sev_low']),
        attacks: num(r['attacks']),
        risk: num(r['risk']),
      }));
    },

    async findings(window, filter) {
      const s = new Statement(dialect);
      const inner = covered(
        s,
        'rollup_findings',
        'family, type, events, input_events, output_events, findings',
        coverWindow(window),
        (st) => findingWhere(st, filter, filter.level === 'family' ? "type = ''" : "type <> ''"),
      );
      if (inner === null) return [];
      const rows = await run(
        `SELECT family, type, SUM(events) AS events, SUM(input_events) AS input_events, SUM(output_events) AS output_events, SUM(findings) AS findings FROM (${inner}) AS u GROUP BY family, type ORDER BY SUM(events) DESC, SUM(findings) DESC, family${bytes}, type${bytes} LIMIT ${int(filter.limit)}`,
        s.values,
      );
      return rows.map((r) => ({
        family: String(r['family']),
        type: String(r['type']),
        events: num(r['events']),
        inputEvents: num(r['input_events']),
        outputEvents: num(r['output_events']),
        findings: num(r['findings']),
      }));
    },

    async destinations(window, filter) {
      const s = new Statement(dialect);
      const inputCols = OUTCOMES.map((o) => INPUT_OUTCOME_COLUMNS[o]);
      const inner = covered(
        s,
        'rollup_findings',
        `family, type, model, input_events, ${inputCols.join(', ')}`,
        coverWindow(window),
        (st) => findingWhere(st, filter, "type <> '' AND input_events > 0"),
      );
      if (inner === null) return [];
      const rows = await run(
        `SELECT family, type, model, ${inputCols.map((c) => `SUM(${c}) AS ${c}`).join(', ')}, SUM(input_events) AS events FROM (${inner}) AS u GROUP BY family, type, model ORDER BY SUM(input_events) DESC, family${bytes}, type${bytes}, model${bytes} LIMIT ${int(filter.limit)}`,
        s.values,
      );
      return rows.map((r) => ({
        family: String(r['family']),
        type: String(r['type']),
        model: String(r['model']),
        events: num(r['events']),
        outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, num(r[INPUT_OUTCOME_COLUMNS[o]])])) as Record<
          Outcome,
          number
        >,
      }));
    },
  };
}

function findingWhere(s: Statement, filter: Omit<FindingFilter, 'level'>, base: string): string {
  const parts = [base];
  if (filter.families !== undefined) {
    parts.push(filter.families.length === 0 ? '1 = 0' : `family IN (${s.list(filter.families)})`);
  }
  if (filter.excludeFamilies !== undefined && filter.excludeFamilies.length > 0) {
    parts.push(`family NOT IN (${s.list(filter.excludeFamilies)})`);
  }
  return parts.join(' AND ');
}
