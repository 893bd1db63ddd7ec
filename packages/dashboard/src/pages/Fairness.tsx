/**
 * Fairness of the guard: how often the gateway intervenes (blocks, holds, warns, redacts) per group, app
 * or detected language over a window, with bootstrap intervals, the parity ratio of each rate and the
 * four-fifths verdict in words; where reviewers labelled events, TPR and FPR per group and their parity.
 * Reads GET /audits/guard (permission `analytics.read`); the window, the attribute and the family live in
 * the hash params. Definitions: docs/fairness.md, "The guard's own fairness".
 */
import { Bar, BarChart, CartesianGrid, ErrorBar, Tooltip, XAxis, YAxis } from 'recharts';
import type { Session } from '../api.ts';
import { DataDetails, setParams, useAxisProps, useChartHeight } from '../components/analytics-parts.tsx';
import { ChartFrame, GRID_PROPS, TOOLTIP_PROPS } from '../components/charts.tsx';
import { Badge, Card, Empty, ErrorNotice, Loading, Page, WINDOWS, WindowSelect } from '../components/ui.tsx';
import { formatCount, formatPercent, formatTime } from '../format.ts';
import { useApi } from '../hooks.ts';
import type { Route } from '../router.ts';
import './Overview.css';
import './Fairness.css';

// ---------------------------------------------------------------------------------------------------
// The answer of GET /audits/guard (packages/server/src/admin/audit-routes.ts, GuardFairness)

interface Estimate {
  value: number | null;
  low: number | null;
  high: number | null;
}

type Measure = 'intervened' | 'blocked' | 'held' | 'warned' | 'redacted';
type Metric = Measure | 'tpr' | 'fpr';

interface GroupRow {
  group: string;
  events: number;
  rates: (Estimate & { measure: Measure; events: number })[];
  positives: number;
  negatives: number;
  tpr: Estimate;
  fpr: Estimate;
  warnings: string[];
}

interface Parity {
  metric: Metric;
  difference: Estimate;
  ratio: Estimate;
  fourFifths: 'pass' | 'fail' | null;
  lowest: string | null;
  highest: string | null;
}

export interface GuardFairness {
  by: string;
  family: string | null;
  window: { since: string; until: string } | null;
  skipped: number;
  labels: {
    positive: string[];
    negative: string[];
    positives: number;
    negatives: number;
    conflicting: number;
    unlabelled: number;
  };
  language: { policy: number; preview: number; unknown: number } | null;
  events: number;
  rows: number;
  measures: Measure[];
  groups: GroupRow[];
  excluded: { group: string; events: number }[];
  parity: Parity[];
  favourable: {
    ratio: number | null;
    fourFifths: 'pass' | 'fail' | null;
    lowest: string | null;
    highest: string | null;
  };
  equalizedOdds: Estimate | null;
  bootstrap: { samples: number; seed: number; level: number } | null;
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------------

const BY: readonly { value: 'group' | 'app' | 'language'; label: string; singular: string; none: string }[] =
  [
    { value: 'group', label: 'Groups', singular: 'Group', none: '(no group)' },
    { value: 'app', label: 'Apps', singular: 'App', none: '(no app)' },
    { value: 'language', label: 'Languages', singular: 'Language', none: '(unknown)' },
  ];

const FAMILIES = [
  'pii',
  'secrets',
  'prompt_attack',
  'harmful',
  'toxicity',
  'code',
  'confidential',
  'dictionary',
];

const MEASURE_LABEL: Readonly<Record<Metric, string>> = {
  intervened: 'Any intervention',
  blocked: 'Blocked',
  held: 'Held',
  warned: 'Warned',
  redacted: 'Redacted',
  tpr: 'True-positive rate (equal opportunity)',
  fpr: 'False-positive rate',
};

const DEFAULT_WINDOW = '30d';

function windowParam(params: URLSearchParams): string {
  const w = params.get('window');
  return w !== null && WINDOWS.some((o) => o.value === w) ? w : DEFAULT_WINDOW;
}

/** `(none)` and `und` are the server's names for events without a group/app or a known language. */
function groupName(group: string, by: string): string {
  if (group === '(none)') return BY.find((b) => b.value === by)?.none ?? group;
  if (by === 'language' && group === 'und') return '(unknown)';
  return group;
}

/** `12.5% (9.1–16.0%)`, or the rate alone without an interval. */
function rateText(e: Estimate): string {
  if (e.value === null) return '–';
  if (e.low === null || e.high === null) return formatPercent(e.value);
  return `${formatPercent(e.value)} (${formatPercent(e.low)}–${formatPercent(e.high)})`;
}

function ratioText(e: Estimate): string {
  if (e.value === null) return '–';
  const v = e.value.toFixed(2);
  return e.low === null || e.high === null ? v : `${v} (${e.low.toFixed(2)}–${e.high.toFixed(2)})`;
}

/** The four-fifths verdict of one rate in words. */
function verdictWords(p: Parity, by: string): string {
  const lo = p.lowest === null ? '' : groupName(p.lowest, by);
  const hi = p.highest === null ? '' : groupName(p.highest, by);
  if (p.fourFifths === null || p.ratio.value === null) {
    return p.difference.value === 0 ? 'No group was affected.' : 'The four-fifths rule does not apply.';
  }
  if (p.fourFifths === 'pass') {
    const unsure =
      p.ratio.low !== null && p.ratio.low < 0.8
        ? ' The interval reaches below 0.8: a disparity is not ruled out.'
        : '';
    return `Passes the four-fifths rule: ${lo} is affected at least 0.8 times as often as ${hi}.${unsure}`;
  }
  const times = p.ratio.value > 0 ? `${(1 / p.ratio.value).toFixed(1)} times` : 'infinitely more';
  const sure =
    p.ratio.high !== null && p.ratio.high < 0.8
      ? ' The whole interval is below 0.8.'
      : p.ratio.high !== null
        ? ' The interval reaches 0.8: the sample cannot rule out parity.'
        : '';
  return `Fails the four-fifths rule: ${hi} is affected ${times} as often as ${lo}.${sure}`;
}

// ---------------------------------------------------------------------------------------------------

export function FairnessPage({ route }: { session: Session; route: Route }) {
  const win = windowParam(route.params);
  const byParam = route.params.get('by');
  const by = BY.find((b) => b.value === byParam) ?? BY[0]!;
  const familyParam = route.params.get('family');
  const family = familyParam !== null && FAMILIES.includes(familyParam) ? familyParam : '';

  const audit = useApi<GuardFairness>('/audits/guard', {
    since: win,
    by: by.value,
    family: family === '' ? undefined : family,
  });
  const data = audit.data;

  return (
    <Page
      title="Fairness of the guard"
      subtitle={
        data === null || data.window === null ? (
          'How often the gateway intervenes per group, app or language, and whether that is even'
        ) : (
          <>
            {formatTime(data.window.since)} – {formatTime(data.window.until)}: {formatCount(data.events)}{' '}
            events
            {data.skipped > 0 ? `, ${formatCount(data.skipped)} without a decision left out` : ''}
          </>
        )
      }
      actions={
        <>
          <WindowSelect
            value={win}
            onChange={(v) => setParams(route, { window: v === DEFAULT_WINDOW ? undefined : v })}
          />
          <button type="button" className="btn btn-small" onClick={audit.reload}>
            Refresh
          </button>
        </>
      }
    >
      <div className="people-toolbar">
        <fieldset className="seg">
          <legend className="sr-only">Compare intervention rates per</legend>
          {BY.map((b) => (
            <label key={b.value} className="seg-option">
              <input
                type="radio"
                name="fairness-by"
                value={b.value}
                checked={b.value === by.value}
                onChange={() => setParams(route, { by: b.value === 'group' ? undefined : b.value })}
              />
              <span>{b.label}</span>
            </label>
          ))}
        </fieldset>
        <label className="inline-field">
          <span>Interventions caused by</span>
          <select value={family} onChange={(e) => setParams(route, { family: e.target.value || undefined })}>
            <option value="">any detection or rule</option>
            {FAMILIES.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNotice error={audit.error} onRetry={audit.reload} />
      {data === null ? (
        audit.error === null && <Loading label="Auditing the guard’s decisions…" />
      ) : data.groups.length === 0 ? (
        <Card>
          <Empty>
            No event with a decision in this window. Pick a longer window, or audit a labelled dataset before
            there is traffic with “parapet audit guard --dataset”.
          </Empty>
        </Card>
      ) : (
        <FairnessReport data={data} by={by} />
      )}
    </Page>
  );
}

function FairnessReport(props: { data: GuardFairness; by: (typeof BY)[number] }) {
  const { data, by } = props;
  const labelled = data.parity.some((p) => p.metric === 'tpr');
  const intervals =
    data.bootstrap === null
      ? 'without intervals'
      : `with ${Math.round(data.bootstrap.level * 100)}% bootstrap intervals (${formatCount(data.bootstrap.samples)} samples, seed ${data.bootstrap.seed})`;
  const warnings = [
    ...data.warnings,
    ...data.groups.flatMap((g) => g.warnings.map((w) => `${groupName(g.group, by.value)}: ${w}`)),
  ];
  return (
    <>
      <Card title="Parity" className="analytics-card" testId="guard-parity">
        <p className="muted small card-intro">
          Ratio: the lowest rate over the highest (1 is even); difference: highest minus lowest. The
          four-fifths rule fails when one {by.singular.toLowerCase()} is affected more than 1.25 times as
          often as another. Rates {intervals}
          {data.family === null ? '' : `; only interventions caused by ${data.family} findings`}.
        </p>
        <ul className="parity-list">
          {data.parity.map((p) => (
            <li key={p.metric} className="parity-item">
              <div className="parity-head">
                <strong>{MEASURE_LABEL[p.metric]}</strong>
                {p.fourFifths !== null && (
                  <Badge
                    value={p.fourFifths === 'pass' ? 'passes four-fifths' : 'fails four-fifths'}
                    tone={p.fourFifths === 'pass' ? 'good' : 'bad'}
                  />
                )}
              </div>
              <div className="small">
                ratio {ratioText(p.ratio)} · difference{' '}
                {p.difference.value === null ? '–' : `${(p.difference.value * 100).toFixed(1)} points`}
                {p.lowest !== null && p.highest !== null && p.difference.value !== 0 && (
                  <>
                    {' '}
                    · lowest {groupName(p.lowest, by.value)}, highest {groupName(p.highest, by.value)}
                  </>
                )}
              </div>
              {p.metric !== 'tpr' && p.metric !== 'fpr' && (
                <div className="small verdict">{verdictWords(p, by.value)}</div>
              )}
            </li>
          ))}
        </ul>
        {data.favourable.ratio !== null && (
          <p className="small">
            Let through untouched: ratio {data.favourable.ratio.toFixed(2)}
            {data.favourable.lowest !== data.favourable.highest &&
              ` (${groupName(data.favourable.lowest ?? '', by.value)} over ${groupName(data.favourable.highest ?? '', by.value)})`}{' '}
            — {data.favourable.fourFifths === 'pass' ? 'passes' : 'fails'} the four-fifths rule on the
            favourable outcome, as the EEOC and AIF360 state it.
          </p>
        )}
        {data.equalizedOdds !== null && (
          <p className="small">
            Equalized odds difference (the larger of the TPR and FPR differences):{' '}
            {ratioText(data.equalizedOdds)}.
          </p>
        )}
      </Card>
      <RateChart data={data} by={by} />
      <Card title={`Intervention rates per ${by.singular.toLowerCase()}`} className="analytics-card">
        <div className="table-wrap">
          <table className="table" data-testid="guard-fairness">
            <caption className="sr-only">
              Intervention rates per {by.singular.toLowerCase()} with their intervals, and the true- and
              false-positive rates where reviewers labelled events
            </caption>
            <thead>
              <tr>
                <th scope="col">{by.singular}</th>
                <th scope="col" className="num">
                  Events
                </th>
                {data.measures.map((m) => (
                  <th key={m} scope="col" className="num">
                    {MEASURE_LABEL[m]}
                  </th>
                ))}
                {labelled && (
                  <>
                    <th
                      scope="col"
                      className="num"
                      title="Share of events that should have been stopped and were"
                    >
                      TPR
                    </th>
                    <th
                      scope="col"
                      className="num"
                      title="Share of events that should have passed and were stopped"
                    >
                      FPR
                    </th>
                  </>
                )}
              </tr>
            </thead>
            <tbody>
              {data.groups.map((g) => (
                <tr key={g.group}>
                  <th scope="row">{groupName(g.group, by.value)}</th>
                  <td className="num">{formatCount(g.events)}</td>
                  {g.rates.map((r) => (
                    <td key={r.measure} className="num">
                      {formatPercent(r.value)}
                      <span className="cell-sub">
                        {r.low !== null && r.high !== null
                          ? `${formatPercent(r.low)}–${formatPercent(r.high)} · ${formatCount(r.events)}`
                          : `${formatCount(r.events)} events`}
                      </span>
                    </td>
                  ))}
                  {labelled && (
                    <>
                      <td className="num">
                        {rateText(g.tpr)}
                        <span className="cell-sub">of {formatCount(g.positives)} labelled</span>
                      </td>
                      <td className="num">
                        {rateText(g.fpr)}
                        <span className="cell-sub">of {formatCount(g.negatives)} labelled</span>
                      </td>
                    </>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="muted small table-note">
          An event in several groups counts in each. Reviewer labels {data.labels.positive.join(', ')} mean
          “should have been stopped”, {data.labels.negative.join(', ')} “should have passed”:{' '}
          {formatCount(data.labels.positives)} and {formatCount(data.labels.negatives)} events carry them
          {data.labels.conflicting > 0
            ? `, ${formatCount(data.labels.conflicting)} carry both and are left out`
            : ''}
          .
          {data.language !== null &&
            ` Languages: ${formatCount(data.language.policy)} recorded by the policy, ${formatCount(data.language.preview)} detected from the redacted preview, ${formatCount(data.language.unknown)} unknown.`}
        </p>
      </Card>
      {warnings.length > 0 && (
        <div className="notice notice-warn" role="note">
          <strong>Read with care</strong>
          <ul className="fairness-warnings">
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}

/** Any-intervention rate per group as bars with interval whiskers (the table holds the same numbers). */
function RateChart(props: { data: GuardFairness; by: (typeof BY)[number] }) {
  const height = useChartHeight(260);
  const axis = useAxisProps();
  const rows = props.data.groups.map((g) => {
    const r = g.rates[0]!;
    const value = r.value ?? 0;
    return {
      name: groupName(g.group, props.by.value),
      rate: value,
      whisker: r.low !== null && r.high !== null ? [value - r.low, r.high - value] : [0, 0],
      low: r.low,
      high: r.high,
    };
  });
  const summary = `Any-intervention rate per ${props.by.singular.toLowerCase()}: ${rows
    .map(
      (r) =>
        `${r.name} ${formatPercent(r.rate)}${r.low !== null && r.high !== null ? ` (${formatPercent(r.low)} to ${formatPercent(r.high)})` : ''}`,
    )
    .join('; ')}.`;
  return (
    <Card title={`Any-intervention rate per ${props.by.singular.toLowerCase()}`}>
      <ChartFrame
        label={`Any-intervention rate per ${props.by.singular.toLowerCase()} with intervals`}
        summary={summary}
        height={height}
      >
        <BarChart data={rows} accessibilityLayer={false} margin={{ top: 8, right: 16, left: 8, bottom: 0 }}>
          <CartesianGrid {...GRID_PROPS} vertical={false} />
          <XAxis
            dataKey="name"
            interval={0}
            {...axis}
            tickFormatter={(v: string) => (v.length > 16 ? `${v.slice(0, 15)}…` : v)}
          />
          <YAxis
            {...axis}
            domain={[0, (max: number) => (max > 0 ? Math.min(1, max * 1.1) : 0.1)]}
            tickFormatter={(v: number) => formatPercent(v, v > 0 && v < 0.1 ? 1 : 0)}
          />
          <Tooltip {...TOOLTIP_PROPS} formatter={(v) => formatPercent(Number(v))} />
          <Bar dataKey="rate" name="Intervention rate" fill="var(--c-bad)" isAnimationActive={false}>
            <ErrorBar
              dataKey="whisker"
              width={10}
              strokeWidth={1.5}
              stroke="var(--c-text)"
              direction="y"
              isAnimationActive={false}
            />
          </Bar>
        </BarChart>
      </ChartFrame>
      <DataDetails summary="Show the numbers">{() => <p className="small">{summary}</p>}</DataDetails>
    </Card>
  );
}
