/**
 * People & apps: usage (interactions, tokens, cost), risk (interventions, detections by severity, prompt
 * attacks, the risk score) and trend per user, group or app over a window. The kind, window and sort live
 * in the hash params. The sparkline of each row is its interactions over the window in twelve steps,
 * read from the breakdown route; the trend words compare with the period of the same length just before.
 */
import { useEffect, useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { api, can, type Session } from '../api.ts';
import {
  FilterLink,
  NameText,
  scaled,
  setParams,
  Trend,
  useAxisProps,
  useChartHeight,
  windowOf,
} from '../components/analytics-parts.tsx';
import { ChartFrame, GRID_PROPS, TOOLTIP_PROPS } from '../components/charts.tsx';
import { Card, Empty, ErrorNotice, Loading, Page, WindowSelect } from '../components/ui.tsx';
import { formatCost, formatCount, formatTime } from '../format.ts';
import { useApi } from '../hooks.ts';
import type { Route } from '../router.ts';
import {
  INTERVENTIONS,
  type People,
  type PeopleKind,
  type PeopleSort,
  type PersonRow,
} from './analytics-types.ts';
import './Overview.css';

const KINDS: readonly { value: PeopleKind; label: string; plural: string; none: string }[] = [
  { value: 'user', label: 'Users', plural: 'users', none: '(no user)' },
  { value: 'group', label: 'Groups', plural: 'groups', none: '(no group)' },
  { value: 'app', label: 'Apps', plural: 'apps', none: '(no app)' },
];

type SortKey =
  | 'name'
  | 'interactions'
  | 'tokens'
  | 'cost'
  | 'interventions'
  | 'detections'
  | 'attacks'
  | 'risk';

const SORT_KEYS: readonly SortKey[] = [
  'name',
  'interactions',
  'tokens',
  'cost',
  'interventions',
  'detections',
  'attacks',
  'risk',
];

/** The sorts the API applies before cutting the list at `limit`. */
const API_SORTS: Readonly<Partial<Record<SortKey, PeopleSort>>> = {
  interactions: 'interactions',
  tokens: 'tokens',
  cost: 'cost',
  risk: 'risk',
};

const API_SORT_WORDS: Readonly<Record<PeopleSort, string>> = {
  risk: 'risk score',
  interactions: 'interactions',
  cost: 'cost',
  tokens: 'tokens',
};

const interventionsOf = (r: PersonRow) => INTERVENTIONS.reduce((n, o) => n + r.actions[o], 0);
const detectionWeight = (r: PersonRow) => 3 * r.detections.high + 2 * r.detections.medium + r.detections.low;

function sortValue(r: PersonRow, key: SortKey): number | string {
  switch (key) {
    case 'name':
      return r.name ?? '';
    case 'interactions':
      return r.interactions;
    case 'tokens':
      return r.inputTokens + r.outputTokens;
    case 'cost':
      return r.costUsd;
    case 'interventions':
      return interventionsOf(r);
    case 'detections':
      return detectionWeight(r);
    case 'attacks':
      return r.attacks;
    case 'risk':
      return r.risk.score;
  }
}

const nameKey = (name: string | null) => name ?? '\u0000none';

// ---------------------------------------------------------------------------------------------------
// Sparklines: interactions per step of the window, from /analytics/breakdown.

const STEPS = 12;

interface BreakdownAnswer {
  rows: { key: string | null; interactions: number }[];
  more: boolean;
}

function useSparklines(
  kind: PeopleKind,
  span: { since: string; until: string } | null,
): Map<string, (number | null)[]> | null {
  const [state, setState] = useState<{ key: string; lines: Map<string, (number | null)[]> } | null>(null);
  const key = span === null ? null : `${kind}|${span.since}|${span.until}`;
  useEffect(() => {
    if (span === null || key === null) return;
    const from = Date.parse(span.since);
    const to = Date.parse(span.until);
    if (!(from < to)) return;
    const totalMinutes = Math.round((to - from) / 60_000);
    const bounds: number[] = [];
    for (let i = 0; i <= STEPS; i++) bounds.push(from + Math.round((i * totalMinutes) / STEPS) * 60_000);
    const steps = bounds.slice(0, -1).map((start, i) => [start, bounds[i + 1] ?? to] as const);
    const usable = steps.filter(([a, b]) => a < b);
    const abort = new AbortController();
    Promise.all(
      usable.map(([a, b]) =>
        api<BreakdownAnswer>('GET', '/analytics/breakdown', {
          query: {
            dimension: kind,
            since: new Date(a).toISOString(),
            until: new Date(b).toISOString(),
            limit: 1000,
          },
          signal: abort.signal,
        }),
      ),
    ).then(
      (answers) => {
        const lines = new Map<string, (number | null)[]>();
        answers.forEach((answer, i) => {
          for (const row of answer.rows) {
            const k = nameKey(row.key);
            let line = lines.get(k);
            if (line === undefined) {
              line = answers.map((a) => (a.more ? null : 0));
              lines.set(k, line);
            }
            line[i] = row.interactions;
          }
        });
        setState({ key, lines });
      },
      () => {
        // Sparklines are an extra: without them the trend words still tell the change.
      },
    );
    return () => abort.abort();
  }, [key, kind, span]);
  return state !== null && state.key === key ? state.lines : null;
}

function Sparkline(props: { points: readonly (number | null)[] }) {
  const data = props.points.map((v, i) => ({ i, v }));
  return (
    <span className="sparkline" aria-hidden="true">
      <LineChart
        width={96}
        height={28}
        data={data}
        accessibilityLayer={false}
        margin={{ top: 3, right: 2, bottom: 3, left: 2 }}
      >
        <YAxis hide domain={[0, 'dataMax']} />
        <Line
          type="monotone"
          dataKey="v"
          stroke="var(--c-series-1)"
          strokeWidth={1.75}
          dot={false}
          isAnimationActive={false}
        />
      </LineChart>
    </span>
  );
}

// ---------------------------------------------------------------------------------------------------

export function PeoplePage({ session, route }: { session: Session; route: Route }) {
  const win = windowOf(route.params);
  const kindParam = route.params.get('kind');
  const kind = KINDS.find((k) => k.value === kindParam) ?? KINDS[0];
  const sortParam = route.params.get('sort') as SortKey | null;
  const sortKey: SortKey = sortParam !== null && SORT_KEYS.includes(sortParam) ? sortParam : 'risk';
  const dir: 'asc' | 'desc' =
    route.params.get('dir') === 'asc' || (route.params.get('dir') === null && sortKey === 'name')
      ? 'asc'
      : 'desc';
  const apiSort = API_SORTS[sortKey] ?? 'risk';
  const [limit, setLimit] = useState(50);
  const [filter, setFilter] = useState('');
  const canLink = can(session, 'events.read');

  // A new kind or window starts again from the first 50.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the kind or window changes.
  useEffect(() => setLimit(50), [kind?.value, win]);

  const people = useApi<People>('/analytics/people', {
    kind: kind?.value ?? 'user',
    since: win,
    limit,
    sort: apiSort,
  });
  const data = people.data;
  const span = useMemo(
    () => (data === null ? null : { since: data.window.since, until: data.window.until }),
    [data],
  );
  const lines = useSparklines(kind?.value ?? 'user', span);

  const rows = useMemo(() => {
    if (data === null) return [];
    const needle = filter.trim().toLowerCase();
    const kept =
      needle === ''
        ? data.rows
        : data.rows.filter((r) => (r.name ?? kind?.none ?? '').toLowerCase().includes(needle));
    const sign = dir === 'asc' ? 1 : -1;
    return [...kept].sort((a, b) => {
      const va = sortValue(a, sortKey);
      const vb = sortValue(b, sortKey);
      const c =
        typeof va === 'string' && typeof vb === 'string' ? va.localeCompare(vb) : Number(va) - Number(vb);
      return (Number.isNaN(c) ? 0 : c) * sign || (a.name ?? '').localeCompare(b.name ?? '');
    });
  }, [data, filter, sortKey, dir, kind?.none]);

  if (kind === undefined) return null;

  const onSort = (key: SortKey) => {
    const nextDir = key === sortKey ? (dir === 'asc' ? 'desc' : 'asc') : key === 'name' ? 'asc' : 'desc';
    const defaultDir = key === 'name' ? 'asc' : 'desc';
    setParams(route, {
      sort: key === 'risk' ? undefined : key,
      dir: nextDir === defaultDir ? undefined : nextDir,
    });
  };

  return (
    <Page
      title="People & apps"
      subtitle={
        data === null ? (
          'Usage and risk per user, group and app'
        ) : (
          <>
            {formatTime(data.window.since)} – {formatTime(data.window.until)}; trends against{' '}
            {formatTime(data.previousWindow.since)} – {formatTime(data.previousWindow.until)}
          </>
        )
      }
      actions={
        <>
          <WindowSelect value={win} onChange={(v) => setParams(route, { window: v })} />
          <button type="button" className="btn btn-small" onClick={people.reload}>
            Refresh
          </button>
        </>
      }
    >
      <div className="people-toolbar">
        <fieldset className="seg">
          <legend className="sr-only">Show usage and risk per</legend>
          {KINDS.map((k) => (
            <label key={k.value} className="seg-option">
              <input
                type="radio"
                name="people-kind"
                value={k.value}
                checked={k.value === kind.value}
                onChange={() => setParams(route, { kind: k.value === 'user' ? undefined : k.value })}
              />
              <span>{k.label}</span>
            </label>
          ))}
        </fieldset>
        <label className="inline-field">
          <span>Filter by name</span>
          <input
            type="search"
            data-search
            value={filter}
            placeholder={`Find ${kind.plural}…`}
            onChange={(e) => setFilter(e.target.value)}
          />
        </label>
      </div>
      <ErrorNotice error={people.error} onRetry={people.reload} />
      {data === null ? (
        people.error === null && <Loading label={`Loading ${kind.plural}…`} />
      ) : data.rows.length === 0 ? (
        <Card>
          <Empty>
            No {kind.plural} had interactions between {formatTime(data.window.since)} and{' '}
            {formatTime(data.window.until)}. Pick a longer window.
          </Empty>
        </Card>
      ) : (
        <>
          <RiskChart rows={data.rows} none={kind.none} label={kind.plural} />
          <Card
            className="analytics-card"
            title={`${kind.label}: usage, risk and trend`}
            actions={
              <span className="muted small">
                {formatCount(rows.length)} of {formatCount(data.rows.length)}
                {data.more ? '+' : ''} shown
              </span>
            }
          >
            {rows.length === 0 ? (
              <Empty>
                No {kind.plural} match “{filter}”.
              </Empty>
            ) : (
              <PeopleTable
                rows={rows}
                kind={kind}
                sortKey={sortKey}
                dir={dir}
                onSort={onSort}
                since={win}
                canLink={canLink}
                lines={lines}
              />
            )}
            <p className="muted small table-note">
              Risk score = 10 × prompt attacks + 5 × blocked + 3 × high + 2 × medium + 1 × low detections. The
              line next to each count draws its interactions across the window; arrows compare with the period
              of the same length just before (“new”: none then).
            </p>
            {data.more && (
              <div className="row">
                <span className="muted small">
                  The {formatCount(data.rows.length)} {kind.plural} with the highest {API_SORT_WORDS[apiSort]}{' '}
                  are listed; there are more.
                </span>
                {limit < 1000 && (
                  <button
                    type="button"
                    className="btn btn-small"
                    onClick={() => setLimit((l) => Math.min(1000, l * 2))}
                  >
                    Show more
                  </button>
                )}
              </div>
            )}
          </Card>
        </>
      )}
    </Page>
  );
}

function SortHeader(props: {
  label: string;
  sortKey: SortKey;
  current: SortKey;
  dir: 'asc' | 'desc';
  onSort(key: SortKey): void;
  numeric?: boolean;
  hint?: string;
}) {
  const active = props.current === props.sortKey;
  return (
    <th
      scope="col"
      className={props.numeric ? 'num' : undefined}
      aria-sort={active ? (props.dir === 'asc' ? 'ascending' : 'descending') : undefined}
    >
      <button
        type="button"
        className="sort-btn"
        onClick={() => props.onSort(props.sortKey)}
        title={props.hint}
      >
        {props.label}
        <span className="sort-mark" aria-hidden="true">
          {active ? (props.dir === 'asc' ? ' ▲' : ' ▼') : ' ⇅'}
        </span>
      </button>
    </th>
  );
}

function PeopleTable(props: {
  rows: readonly PersonRow[];
  kind: { value: PeopleKind; label: string; none: string };
  sortKey: SortKey;
  dir: 'asc' | 'desc';
  onSort(key: SortKey): void;
  since: string;
  canLink: boolean;
  lines: Map<string, (number | null)[]> | null;
}) {
  const h = (label: string, key: SortKey, numeric = true, hint?: string) => (
    <SortHeader
      label={label}
      sortKey={key}
      current={props.sortKey}
      dir={props.dir}
      onSort={props.onSort}
      numeric={numeric}
      hint={hint}
    />
  );
  const singular = props.kind.value === 'user' ? 'User' : props.kind.value === 'group' ? 'Group' : 'App';
  return (
    <div className="table-wrap">
      <table className="table people-table" data-testid="people-table">
        <caption className="sr-only">
          {props.kind.label} with usage, interventions, detections and risk score, each with its change from
          the previous period; column headers sort
        </caption>
        <thead>
          <tr>
            {h(singular, 'name', false)}
            {h('Interactions', 'interactions')}
            {h('Tokens', 'tokens')}
            {h('Cost', 'cost')}
            {h('Interventions', 'interventions', true, 'Blocked, redacted, warned, held or routed')}
            {h('Detections', 'detections', true, 'Distinct detection types per event, by severity')}
            {h('Attacks', 'attacks', true, 'Events holding a prompt attack')}
            {h('Risk', 'risk')}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => {
            const interventions = interventionsOf(r);
            const line = props.lines?.get(nameKey(r.name));
            return (
              <tr key={nameKey(r.name)}>
                <td className="people-name">
                  <FilterLink
                    canLink={props.canLink}
                    filters={r.name === null ? null : { [props.kind.value]: r.name, since: props.since }}
                  >
                    <NameText name={r.name} none={props.kind.none} />
                  </FilterLink>
                </td>
                <td className="num">
                  <span className="spark-cell">
                    {line !== undefined && <Sparkline points={line} />}
                    <span>
                      {formatCount(r.interactions)}
                      <Trend change={r.trend.interactions} current={r.interactions} />
                      {r.errors > 0 && (
                        <span className="cell-sub">
                          {formatCount(r.errors)} {r.errors === 1 ? 'error' : 'errors'}
                        </span>
                      )}
                    </span>
                  </span>
                </td>
                <td className="num">
                  {formatCount(r.inputTokens + r.outputTokens)}
                  <span className="cell-sub">
                    {formatCount(r.inputTokens)} in · {formatCount(r.outputTokens)} out
                  </span>
                </td>
                <td className="num">
                  {formatCost(r.costUsd)}
                  <Trend change={r.trend.costUsd} current={r.costUsd} />
                </td>
                <td className="num">
                  {formatCount(interventions)}
                  {interventions > 0 && (
                    <span className="cell-sub cell-sub-wrap">
                      {INTERVENTIONS.filter((o) => r.actions[o] > 0).map((o, i) => (
                        <span key={o}>
                          {i > 0 && ' · '}
                          <span className="nowrap">
                            {formatCount(r.actions[o])} {o}
                          </span>
                        </span>
                      ))}
                    </span>
                  )}
                </td>
                <td className="num">
                  <span className="sev">
                    <span className={r.detections.high > 0 ? 'sev-high' : undefined}>
                      {formatCount(r.detections.high)} high
                    </span>
                    <span>{formatCount(r.detections.medium)} medium</span>
                    <span>{formatCount(r.detections.low)} low</span>
                  </span>
                </td>
                <td className="num">
                  {r.attacks > 0 ? <strong className="sev-high">{formatCount(r.attacks)}</strong> : '0'}
                </td>
                <td className="num">
                  <strong>{formatCount(r.risk.score)}</strong>
                  <Trend change={r.trend.riskScore} current={r.risk.score} upIsBad />
                  <span className="cell-sub">{r.risk.perInteraction.toFixed(2)} / interaction</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The ten riskiest, this period against the one before (a chart; the table holds the same numbers). */
function RiskChart(props: { rows: readonly PersonRow[]; none: string; label: string }) {
  const height = useChartHeight(260);
  const axis = useAxisProps();
  const top = [...props.rows]
    .filter((r) => r.risk.score > 0 || r.previous.riskScore > 0)
    .sort((a, b) => b.risk.score - a.risk.score)
    .slice(0, 10)
    .map((r) => ({ name: r.name ?? props.none, current: r.risk.score, previous: r.previous.riskScore }));
  if (top.length === 0) return null;
  const summary = `Highest risk scores: ${top
    .map((r) => `${r.name} ${formatCount(r.current)} (previous period ${formatCount(r.previous)})`)
    .join('; ')}.`;
  return (
    <Card title={`Riskiest ${props.label}`}>
      <ChartFrame
        label={`Risk score of the riskiest ${props.label}, this period and the previous`}
        summary={summary}
        height={height}
      >
        <BarChart
          data={top}
          layout="vertical"
          accessibilityLayer={false}
          margin={{ top: 4, right: 16, left: 8, bottom: 0 }}
        >
          <CartesianGrid {...GRID_PROPS} horizontal={false} />
          <XAxis type="number" {...axis} allowDecimals={false} />
          <YAxis
            type="category"
            dataKey="name"
            interval={0}
            {...axis}
            width={scaled(150, axis)}
            tickFormatter={(v: string) => (v.length > 22 ? `${v.slice(0, 21)}…` : v)}
          />
          <Tooltip {...TOOLTIP_PROPS} formatter={(v) => formatCount(Number(v))} />
          <Legend
            formatter={(v: unknown) => <span className="legend-text">{String(v)}</span>}
            itemSorter={null}
          />
          <Bar dataKey="current" name="This period" fill="var(--c-bad)" isAnimationActive={false} />
          <Bar dataKey="previous" name="Previous period" fill="var(--c-series-4)" isAnimationActive={false} />
        </BarChart>
      </ChartFrame>
    </Card>
  );
}
