/**
 * Overview: what went through the gateway in a window (interactions, users, apps, models, tokens, cost),
 * what the policy did about it (blocked, redacted, warned, held, routed…), what was found (top detections
 * and topics) and where sensitive data tried to go. The window and bucket live in the hash params, so a
 * link reproduces the view. Every top-list entry opens the Activity page filtered to it.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  Area,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { can, type Session } from '../api.ts';
import { DestinationsCard } from '../components/analytics-destinations.tsx';
import {
  DataDetails,
  FilterLink,
  localTz,
  NameText,
  ShareBar,
  scaled,
  setParams,
  useAxisProps,
  useChartHeight,
  windowLabel,
  windowMinutes,
  windowOf,
} from '../components/analytics-parts.tsx';
import { ChartFrame, GRID_PROPS, SERIES_COLORS, TOOLTIP_PROPS } from '../components/charts.tsx';
import {
  Card,
  type Column,
  DataTable,
  Empty,
  ErrorNotice,
  FamilyChip,
  Loading,
  Page,
  Stat,
  WindowSelect,
} from '../components/ui.tsx';
import { formatBucket, formatCost, formatCount, formatPercent, formatTime } from '../format.ts';
import { useApi } from '../hooks.ts';
import type { Route } from '../router.ts';
import {
  type BucketName,
  INTERVENTIONS,
  OUTCOME_LABELS,
  type Outcome,
  type Overview,
  type OverviewPoint,
  type TopDetection,
  type TopEntity,
} from './analytics-types.ts';
import './Overview.css';

const BUCKET_LABELS: Readonly<Record<BucketName, string>> = { minute: 'Minutes', hour: 'Hours', day: 'Days' };

/** Whether a bucket keeps the series within the server's 1,500 points for a window of `minutes`. */
function bucketFits(bucket: BucketName, minutes: number): boolean {
  if (bucket === 'minute') return minutes <= 1440;
  if (bucket === 'hour') return minutes <= 30 * 1440;
  return true;
}

function bucketOf(params: URLSearchParams, minutes: number): BucketName | undefined {
  const b = params.get('bucket');
  return (b === 'minute' || b === 'hour' || b === 'day') && bucketFits(b, minutes) ? b : undefined;
}

/** Decisions stacked in the chart, most severe at the bottom. */
const DECISION_SERIES: readonly Outcome[] = [
  'blocked',
  'redacted',
  'warned',
  'held',
  'routed',
  'monitored',
  'allowed',
];
const DECISION_COLORS: Readonly<Record<Outcome, string>> = {
  blocked: SERIES_COLORS.blocked ?? 'var(--c-bad)',
  redacted: SERIES_COLORS.redacted ?? 'var(--c-warn)',
  warned: SERIES_COLORS.warned ?? 'var(--c-series-6)',
  held: SERIES_COLORS.held ?? 'var(--c-info)',
  routed: SERIES_COLORS.routed ?? 'var(--c-series-3)',
  monitored: SERIES_COLORS.monitored ?? 'var(--c-series-4)',
  allowed: SERIES_COLORS.allowed ?? 'var(--c-good)',
  none: 'var(--c-series-8)',
};

const legendText = (value: unknown) => <span className="legend-text">{String(value)}</span>;

export function OverviewPage({ session, route }: { session: Session; route: Route }) {
  const win = windowOf(route.params);
  const minutes = windowMinutes(win);
  const bucket = bucketOf(route.params, minutes);
  const live = route.params.get('live') === '1';
  const tz = useMemo(localTz, []);
  const overview = useApi<Overview>('/analytics/overview', { since: win, bucket, tz, top: 10 });
  const canLink = can(session, 'events.read');
  const reloadOverview = overview.reload;
  // Destinations are fetched by their card; a tick asks it to fetch again.
  const [destTick, setDestTick] = useState(0);
  const reload = useCallback(() => {
    reloadOverview();
    setDestTick((t) => t + 1);
  }, [reloadOverview]);

  // Auto-refresh for a screen on the wall: every minute, without clearing what is shown.
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(reload, 60_000);
    return () => clearInterval(timer);
  }, [live, reload]);

  const data = overview.data;
  const since = win;
  const subtitle =
    data === null ? (
      windowLabel(win)
    ) : (
      <>
        {formatTime(data.window.since)} – {formatTime(data.window.until)} ·{' '}
        {BUCKET_LABELS[data.window.bucket].toLowerCase()} buckets, UTC{data.window.tz}
      </>
    );

  return (
    <Page
      title="Overview"
      subtitle={subtitle}
      actions={
        <>
          <WindowSelect
            value={win}
            onChange={(v) =>
              setParams(route, {
                window: v,
                bucket: bucket !== undefined && bucketFits(bucket, windowMinutes(v)) ? bucket : undefined,
              })
            }
          />
          <label className="inline-field">
            <span>Buckets</span>
            <select
              value={bucket ?? 'auto'}
              onChange={(e) =>
                setParams(route, { bucket: e.target.value === 'auto' ? undefined : e.target.value })
              }
            >
              <option value="auto">Automatic</option>
              {(['minute', 'hour', 'day'] as const).map((b) => (
                <option key={b} value={b} disabled={!bucketFits(b, minutes)}>
                  {BUCKET_LABELS[b]}
                </option>
              ))}
            </select>
          </label>
          <label className="inline-field">
            <input
              type="checkbox"
              checked={live}
              onChange={(e) => setParams(route, { live: e.target.checked ? '1' : undefined })}
            />
            <span>Refresh every minute</span>
          </label>
          <button type="button" className="btn btn-small" onClick={reload}>
            Refresh
          </button>
        </>
      }
    >
      <ErrorNotice error={overview.error} onRetry={reload} />
      {data === null ? (
        overview.error === null && <Loading label="Loading the overview…" />
      ) : (
        <OverviewBody data={data} since={since} canLink={canLink} />
      )}
      {(data !== null || overview.error !== null) && (
        <DestinationsCard since={since} canLink={canLink} tick={destTick} />
      )}
    </Page>
  );
}

function OverviewBody({ data, since, canLink }: { data: Overview; since: string; canLink: boolean }) {
  const t = data.totals;
  const interventions = INTERVENTIONS.reduce((n, o) => n + t.actions[o], 0);
  const share = (n: number) => (t.interactions > 0 ? formatPercent(n / t.interactions) : '–');
  const eventsLink = (action: Outcome) => (
    <>
      {share(t.actions[action])}
      {canLink && t.actions[action] > 0 && (
        <>
          {' · '}
          <FilterLink canLink filters={{ action, since }}>
            view<span className="sr-only"> the {action} events</span>
          </FilterLink>
        </>
      )}
    </>
  );
  const empty = t.interactions === 0;

  return (
    <>
      <section aria-labelledby="totals-usage" className="stat-group">
        <h2 id="totals-usage" className="group-title">
          Usage
        </h2>
        <div className="stats">
          <Stat label="Interactions" value={formatCount(t.interactions)} testId="overview-interactions" />
          <Stat label="Active users" value={formatCount(t.activeUsers)} />
          <Stat label="Apps" value={formatCount(t.apps)} />
          <Stat label="Models" value={formatCount(t.models)} />
          <Stat label="Input tokens" value={formatCount(t.inputTokens)} />
          <Stat label="Output tokens" value={formatCount(t.outputTokens)} />
          <Stat
            label="Cost"
            value={formatCost(t.costUsd)}
            hint={
              t.interactions > 0 ? `${formatCost(t.costUsd / t.interactions)} per interaction` : undefined
            }
          />
          <Stat label="Errors" value={formatCount(t.errors)} hint={`${share(t.errors)} of interactions`} />
        </div>
      </section>
      <section aria-labelledby="totals-decisions" className="stat-group">
        <h2 id="totals-decisions" className="group-title">
          Interventions
        </h2>
        <div className="stats">
          <Stat
            label="All interventions"
            value={formatCount(interventions)}
            hint={`${share(interventions)} of interactions`}
            testId="overview-interventions"
          />
          {INTERVENTIONS.map((o) => (
            <Stat key={o} label={OUTCOME_LABELS[o]} value={formatCount(t.actions[o])} hint={eventsLink(o)} />
          ))}
        </div>
      </section>
      {empty ? (
        <Card>
          <Empty>
            No interactions between {formatTime(data.window.since)} and {formatTime(data.window.until)}. Pick
            a longer window, or check that applications send their traffic through the gateway.
          </Empty>
        </Card>
      ) : (
        <>
          <div className="grid-2">
            <InteractionsChart data={data} />
            <TokensChart data={data} />
          </div>
          <DecisionsChart data={data} />
          <div className="grid">
            <TopDetections rows={data.top.detections} since={since} canLink={canLink} />
            <TopTopics rows={data.top.topics} since={since} canLink={canLink} />
          </div>
          <div className="grid">
            <TopEntities
              title="Top users"
              filter="user"
              none="(no user)"
              rows={data.top.users}
              since={since}
              canLink={canLink}
            />
            <TopEntities
              title="Top apps"
              filter="app"
              none="(no app)"
              rows={data.top.apps}
              since={since}
              canLink={canLink}
            />
            <TopEntities
              title="Top models"
              filter="model"
              none="(unknown model)"
              rows={data.top.models}
              since={since}
              canLink={canLink}
            />
          </div>
        </>
      )}
    </>
  );
}

// ---------------------------------------------------------------------------------------------------
// Charts

function peakOf(series: readonly OverviewPoint[], value: (p: OverviewPoint) => number): OverviewPoint | null {
  let best: OverviewPoint | null = null;
  for (const p of series) if (best === null || value(p) > value(best)) best = p;
  return best;
}

function xAxis(bucket: BucketName, axis: ReturnType<typeof useAxisProps>) {
  return (
    <XAxis dataKey="start" {...axis} minTickGap={28} tickFormatter={(v: string) => formatBucket(v, bucket)} />
  );
}

const BUCKET_MS: Readonly<Record<BucketName, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** A bucket's label, saying when the window covers only part of it (the first and last often). */
function bucketLabel(start: string, w: Overview['window']): string {
  const from = Date.parse(start);
  const partial = from < Date.parse(w.since) || from + BUCKET_MS[w.bucket] > Date.parse(w.until);
  return `${formatBucket(start, w.bucket)}${partial ? ' (partial)' : ''}`;
}

const labelOf = (w: Overview['window']) => (label: unknown) => bucketLabel(String(label), w);

function SeriesTable(props: {
  data: Overview;
  caption: string;
  columns: readonly { header: string; value(p: OverviewPoint): string }[];
}) {
  return (
    <div className="table-wrap data-table-scroll">
      <table className="table">
        <caption className="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Bucket start</th>
            {props.columns.map((c) => (
              <th key={c.header} scope="col" className="num">
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.data.series.map((p) => (
            <tr key={p.start}>
              <td>{bucketLabel(p.start, props.data.window)}</td>
              {props.columns.map((c) => (
                <td key={c.header} className="num">
                  {c.value(p)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function InteractionsChart({ data }: { data: Overview }) {
  const height = useChartHeight();
  const axis = useAxisProps();
  const { bucket } = data.window;
  const peak = peakOf(data.series, (p) => p.interactions);
  const peakUsers = peakOf(data.series, (p) => p.activeUsers);
  const summary =
    `${formatCount(data.totals.interactions)} interactions and ${formatCount(data.totals.activeUsers)} active users in the window` +
    (peak === null
      ? '.'
      : `; busiest ${bucket} ${formatBucket(peak.start, bucket)} with ${formatCount(peak.interactions)} interactions` +
        (peakUsers === null
          ? '.'
          : `; most active users in one ${bucket}: ${formatCount(peakUsers.activeUsers)}.`));
  return (
    <Card title="Interactions and active users" className="analytics-card">
      <ChartFrame
        label={`Interactions and active users per ${bucket}`}
        summary={summary}
        height={height}
        testId="chart-interactions"
      >
        <ComposedChart
          data={data.series}
          accessibilityLayer={false}
          margin={{ top: 8, right: 8, left: 0, bottom: 0 }}
        >
          <CartesianGrid {...GRID_PROPS} vertical={false} />
          {xAxis(bucket, axis)}
          <YAxis
            {...axis}
            allowDecimals={false}
            width={scaled(48, axis)}
            tickFormatter={(v: number) => formatCount(v)}
          />
          <Tooltip
            {...TOOLTIP_PROPS}
            labelFormatter={labelOf(data.window)}
            formatter={(v) => formatCount(Number(v))}
          />
          <Legend formatter={legendText} itemSorter={null} />
          <Area
            type="monotone"
            dataKey="interactions"
            name="Interactions"
            stroke={SERIES_COLORS.interactions}
            fill={SERIES_COLORS.interactions}
            fillOpacity={0.18}
            strokeWidth={2}
            isAnimationActive={false}
          />
          <Line
            type="monotone"
            dataKey="activeUsers"
            name="Active users"
            stroke={SERIES_COLORS.activeUsers}
            strokeWidth={2}
            strokeDasharray="5 3"
            dot={false}
            isAnimationActive={false}
          />
        </ComposedChart>
      </ChartFrame>
      <DataDetails summary="Show the numbers">
        {() => (
          <SeriesTable
            data={data}
            caption={`Interactions, active users, apps and models per ${bucket}`}
            columns={[
              { header: 'Interactions', value: (p) => formatCount(p.interactions) },
              { header: 'Active users', value: (p) => formatCount(p.activeUsers) },
              { header: 'Apps', value: (p) => formatCount(p.apps) },
              { header: 'Models', value: (p) => formatCount(p.models) },
              { header: 'Errors', value: (p) => formatCount(p.errors) },
            ]}
          />
        )}
      </DataDetails>
    </Card>
  );
}

function TokensChart({ data }: { data: Overview }) {
  const height = useChartHeight();
  const axis = useAxisProps();
  const { bucket } = data.window;
  const peak = peakOf(data.series, (p) => p.costUsd);
  const summary =
    `${formatCount(data.totals.inputTokens)} input and ${formatCount(data.totals.outputTokens)} output tokens, costing ${formatCost(data.totals.costUsd)}` +
    (peak === null || peak.costUsd === 0
      ? '.'
      : `; costliest ${bucket} ${formatBucket(peak.start, bucket)} at ${formatCost(peak.costUsd)}.`);
  return (
    <Card title="Tokens and cost" className="analytics-card">
      <ChartFrame
        label={`Tokens and cost per ${bucket}`}
        summary={summary}
        height={height}
        testId="chart-tokens"
      >
        <ComposedChart
          data={data.series}
          accessibilityLayer={false}
          margin={{ top: 8, right: 8, left: 0, bottom: 0 }}
        >
          <CartesianGrid {...GRID_PROPS} vertical={false} />
          {xAxis(bucket, axis)}
          <YAxis
            yAxisId="tokens"
            {...axis}
            width={scaled(52, axis)}
            tickFormatter={(v: number) => formatCount(v)}
          />
          <YAxis
            yAxisId="cost"
            orientation="right"
            {...axis}
            width={scaled(64, axis)}
            tickFormatter={(v: number) => formatCost(v)}
          />
          <Tooltip
            {...TOOLTIP_PROPS}
            labelFormatter={labelOf(data.window)}
            formatter={(v, name) => (name === 'Cost' ? formatCost(Number(v)) : formatCount(Number(v)))}
          />
          <Legend formatter={legendText} itemSorter={null} />
          <Bar
            yAxisId="tokens"
            dataKey="inputTokens"
            name="Input tokens"
            stackId="tokens"
            fill={SERIES_COLORS.inputTokens}
            isAnimationActive={false}
          />
          <Bar
            yAxisId="tokens"
            dataKey="outputTokens"
            name="Output tokens"
            stackId="tokens"
            fill={SERIES_COLORS.outputTokens}
            isAnimationActive={false}
          />
          <Line
            yAxisId="cost"
            type="monotone"
            dataKey="costUsd"
            name="Cost"
            stroke={SERIES_COLORS.costUsd}
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
        </ComposedChart>
      </ChartFrame>
      <DataDetails summary="Show the numbers">
        {() => (
          <SeriesTable
            data={data}
            caption={`Tokens and cost per ${bucket}`}
            columns={[
              { header: 'Input tokens', value: (p) => formatCount(p.inputTokens) },
              { header: 'Output tokens', value: (p) => formatCount(p.outputTokens) },
              { header: 'Cost', value: (p) => formatCost(p.costUsd) },
            ]}
          />
        )}
      </DataDetails>
    </Card>
  );
}

function DecisionsChart({ data }: { data: Overview }) {
  const height = useChartHeight(280);
  const axis = useAxisProps();
  const [showAllowed, setShowAllowed] = useState(true);
  const { bucket } = data.window;
  const t = data.totals.actions;
  const series = DECISION_SERIES.filter((o) => showAllowed || (o !== 'allowed' && o !== 'monitored'));
  if (t.none > 0) series.push('none');
  const rows = useMemo(() => data.series.map((p) => ({ start: p.start, ...p.actions })), [data.series]);
  const summary = `Decisions in the window: ${[...DECISION_SERIES, 'none' as const]
    .filter((o) => o !== 'none' || t.none > 0)
    .map((o) => `${formatCount(t[o])} ${OUTCOME_LABELS[o].toLowerCase()}`)
    .join(', ')}.`;
  return (
    <Card
      title="Decisions over time"
      className="analytics-card"
      actions={
        <label className="inline-field small">
          <input type="checkbox" checked={showAllowed} onChange={(e) => setShowAllowed(e.target.checked)} />
          <span>Include allowed and monitored</span>
        </label>
      }
    >
      <ChartFrame
        label={`Decisions per ${bucket}, stacked`}
        summary={summary}
        height={height}
        testId="chart-decisions"
      >
        <BarChart data={rows} accessibilityLayer={false} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <CartesianGrid {...GRID_PROPS} vertical={false} />
          {xAxis(bucket, axis)}
          <YAxis
            {...axis}
            allowDecimals={false}
            width={scaled(48, axis)}
            tickFormatter={(v: number) => formatCount(v)}
          />
          <Tooltip
            {...TOOLTIP_PROPS}
            labelFormatter={labelOf(data.window)}
            formatter={(v) => formatCount(Number(v))}
            itemSorter={(item) => -series.indexOf(item.dataKey as Outcome)}
          />
          <Legend formatter={legendText} itemSorter={null} />
          {series.map((o) => (
            <Bar
              key={o}
              dataKey={o}
              name={OUTCOME_LABELS[o]}
              stackId="decisions"
              fill={DECISION_COLORS[o]}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ChartFrame>
      <DataDetails summary="Show the numbers">
        {() => (
          <SeriesTable
            data={data}
            caption={`Decisions per ${bucket}`}
            columns={[...DECISION_SERIES, ...(t.none > 0 ? (['none'] as const) : [])].map((o) => ({
              header: OUTCOME_LABELS[o],
              value: (p: OverviewPoint) => formatCount(p.actions[o]),
            }))}
          />
        )}
      </DataDetails>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------------
// Top lists

function TopDetections(props: { rows: readonly TopDetection[]; since: string; canLink: boolean }) {
  const max = Math.max(0, ...props.rows.map((r) => r.events));
  const columns: Column<TopDetection>[] = [
    {
      key: 'type',
      header: 'Detection',
      render: (r) => (
        <span className="detection-name">
          <FamilyChip family={r.family} />{' '}
          <FilterLink
            canLink={props.canLink}
            filters={{ family: r.family, type: r.type, since: props.since }}
            label={`${r.type} (${r.family}): view the events`}
          >
            {r.type}
          </FilterLink>
        </span>
      ),
    },
    {
      key: 'events',
      header: 'Events',
      numeric: true,
      render: (r) => (
        <span className="bar-cell">
          <ShareBar value={r.events} max={max} tone="var(--c-series-1)" />
          {formatCount(r.events)}
        </span>
      ),
    },
    { key: 'findings', header: 'Findings', numeric: true, render: (r) => formatCount(r.findings) },
  ];
  return (
    <div data-testid="top-detections" className="grid-item">
      <Card title="Top detections" className="analytics-card">
        <DataTable
          columns={columns}
          rows={props.rows}
          rowKey={(r) => `${r.family}/${r.type}`}
          caption="Most frequent detections, topics aside: events holding each and its findings"
          empty="No detections in this window."
        />
      </Card>
    </div>
  );
}

function TopTopics(props: {
  rows: readonly { topic: string; events: number }[];
  since: string;
  canLink: boolean;
}) {
  const max = Math.max(0, ...props.rows.map((r) => r.events));
  return (
    <Card title="Top topics" className="analytics-card">
      <DataTable
        columns={[
          {
            key: 'topic',
            header: 'Topic',
            render: (r) => (
              <FilterLink canLink={props.canLink} filters={{ topic: r.topic, since: props.since }}>
                {r.topic}
              </FilterLink>
            ),
          },
          {
            key: 'events',
            header: 'Events',
            numeric: true,
            render: (r) => (
              <span className="bar-cell">
                <ShareBar value={r.events} max={max} tone="var(--c-series-2)" />
                {formatCount(r.events)}
              </span>
            ),
          },
        ]}
        rows={props.rows}
        rowKey={(r) => r.topic}
        caption="Most frequent topics and the events about each"
        empty="No topics detected in this window."
      />
    </Card>
  );
}

function TopEntities(props: {
  title: string;
  filter: 'user' | 'app' | 'model';
  none: string;
  rows: readonly TopEntity[];
  since: string;
  canLink: boolean;
}) {
  const max = Math.max(0, ...props.rows.map((r) => r.interactions));
  const header = props.filter === 'user' ? 'User' : props.filter === 'app' ? 'App' : 'Model';
  return (
    <Card title={props.title} className="analytics-card">
      <DataTable
        columns={[
          {
            key: 'name',
            header,
            render: (r) => (
              <FilterLink
                canLink={props.canLink}
                filters={r.name === null ? null : { [props.filter]: r.name, since: props.since }}
              >
                <NameText name={r.name} none={props.none} />
              </FilterLink>
            ),
          },
          {
            key: 'interactions',
            header: 'Interactions',
            numeric: true,
            render: (r) => (
              <span className="bar-cell">
                <ShareBar value={r.interactions} max={max} tone="var(--c-series-3)" />
                {formatCount(r.interactions)}
              </span>
            ),
          },
        ]}
        rows={props.rows}
        rowKey={(r) => r.name ?? '\u0000none'}
        caption={`${props.title} by interactions`}
        empty="None in this window."
      />
    </Card>
  );
}
