/**
 * Where sensitive data tried to go: detection type (found in the input of requests) × the model the caller
 * asked for, as a table heat map. Every cell writes its number; the tint only repeats it. A second line
 * says how many of those events never reached the model as sent (blocked, redacted or routed).
 */
import { useEffect, useId, useMemo, useState } from 'react';
import { formatCount, formatPercent } from '../format.ts';
import { useApi } from '../hooks.ts';
import {
  type DestinationRow,
  type Destinations,
  OUTCOME_LABELS,
  OUTCOMES,
} from '../pages/analytics-types.ts';
import { FilterLink } from './analytics-parts.tsx';
import { Card, Empty, ErrorNotice, FamilyChip, Loading } from './ui.tsx';

const DATA_FAMILIES = [
  'pii',
  'secrets',
  'code',
  'confidential',
  'dictionary',
  'fingerprint',
  'canary',
] as const;
const UNKNOWN = '\u0000unknown';

/** Events whose data never reached the model as sent. */
function stoppedOf(r: DestinationRow): number {
  return r.actions.blocked + r.actions.redacted + r.actions.routed;
}

/** Background of a cell holding `ratio` of the largest count (square root: small counts stay visible). */
function tint(ratio: number): string | undefined {
  if (ratio <= 0) return undefined;
  return `color-mix(in srgb, var(--c-series-1) ${Math.round(8 + 42 * Math.sqrt(ratio))}%, transparent)`;
}

interface TypeRow {
  key: string;
  family: string;
  type: string;
  events: number;
  stopped: number;
  cells: Map<string, DestinationRow>;
}

function matrixOf(rows: readonly DestinationRow[]) {
  const types = new Map<string, TypeRow>();
  const dests = new Map<string, { label: string | null; events: number; stopped: number }>();
  let max = 0;
  for (const r of rows) {
    const tk = `${r.family}\u0000${r.type}`;
    const dk = r.destination ?? UNKNOWN;
    let t = types.get(tk);
    if (t === undefined) {
      t = { key: tk, family: r.family, type: r.type, events: 0, stopped: 0, cells: new Map() };
      types.set(tk, t);
    }
    t.events += r.events;
    t.stopped += stoppedOf(r);
    t.cells.set(dk, r);
    const d = dests.get(dk) ?? { label: r.destination, events: 0, stopped: 0 };
    d.events += r.events;
    d.stopped += stoppedOf(r);
    dests.set(dk, d);
    max = Math.max(max, r.events);
  }
  return {
    types: [...types.values()].sort((a, b) => b.events - a.events || a.type.localeCompare(b.type)),
    dests: [...dests.entries()].sort((a, b) => b[1].events - a[1].events),
    max,
  };
}

function breakdown(r: DestinationRow): string {
  return OUTCOMES.filter((o) => r.actions[o] > 0)
    .map((o) => `${OUTCOME_LABELS[o]}: ${formatCount(r.actions[o])}`)
    .join(', ');
}

export function DestinationsCard(props: { since: string; canLink: boolean; tick: number }) {
  const [family, setFamily] = useState('');
  const selectId = useId();
  const dest = useApi<Destinations>('/analytics/destinations', {
    since: props.since,
    family: family === '' ? undefined : family,
    limit: 500,
  });
  const { reload } = dest;
  useEffect(() => {
    if (props.tick > 0) reload();
  }, [props.tick, reload]);
  const matrix = useMemo(() => matrixOf(dest.data?.rows ?? []), [dest.data]);

  return (
    <Card
      className="analytics-card"
      title="Where sensitive data tried to go"
      actions={
        <label className="inline-field small" htmlFor={selectId}>
          <span>Family</span>
          <select id={selectId} value={family} onChange={(e) => setFamily(e.target.value)}>
            <option value="">All data families</option>
            {DATA_FAMILIES.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
      }
    >
      <p className="muted small card-intro">
        Detection types found in what callers sent, by the model they asked for. Each cell counts events; its
        second line, those whose data never reached the model as sent (blocked, redacted or routed). Darker
        cells hold more events.
      </p>
      <ErrorNotice error={dest.error} onRetry={reload} />
      {dest.data === null ? (
        dest.error === null && <Loading label="Loading destinations…" />
      ) : dest.data.rows.length === 0 ? (
        <Empty>No sensitive data was sent to a model in this window.</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table heatmap" data-testid="destinations">
              <caption className="sr-only">
                Events whose input held each detection type, by destination model, with how many were stopped
              </caption>
              <thead>
                <tr>
                  <th scope="col">Detection type</th>
                  {matrix.dests.map(([k, d]) => (
                    <th key={k} scope="col" className="num">
                      {d.label ?? <span className="muted">(unknown model)</span>}
                    </th>
                  ))}
                  <th scope="col" className="num">
                    Total
                  </th>
                </tr>
              </thead>
              <tbody>
                {matrix.types.map((t) => (
                  <tr key={t.key}>
                    <th scope="row" className="heat-row-head">
                      <FamilyChip family={t.family} />{' '}
                      <FilterLink
                        canLink={props.canLink}
                        filters={{ family: t.family, type: t.type, since: props.since }}
                      >
                        {t.type}
                      </FilterLink>
                    </th>
                    {matrix.dests.map(([dk, d]) => {
                      const r = t.cells.get(dk);
                      if (r === undefined || r.events === 0) {
                        return (
                          <td key={dk} className="num heat-cell heat-zero">
                            0
                          </td>
                        );
                      }
                      const stopped = stoppedOf(r);
                      return (
                        <td
                          key={dk}
                          className="num heat-cell"
                          style={{ background: tint(r.events / matrix.max) }}
                          title={breakdown(r)}
                        >
                          <FilterLink
                            canLink={props.canLink}
                            filters={
                              d.label === null
                                ? null
                                : { family: t.family, type: t.type, model: d.label, since: props.since }
                            }
                          >
                            <span className="heat-count">{formatCount(r.events)}</span>
                          </FilterLink>
                          <span className="heat-sub">{formatCount(stopped)} stopped</span>
                        </td>
                      );
                    })}
                    <td className="num heat-total">
                      <span className="heat-count">{formatCount(t.events)}</span>
                      <span className="heat-sub">
                        {formatCount(t.stopped)} stopped (
                        {formatPercent(t.events > 0 ? t.stopped / t.events : 0, 0)})
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="heat-legend" aria-hidden="true">
            <span>Fewer</span>
            {[0.05, 0.25, 0.5, 0.75, 1].map((r) => (
              <span key={r} className="heat-swatch" style={{ background: tint(r) }} />
            ))}
            <span>More events</span>
          </div>
          {dest.data.more && (
            <p className="muted small">
              Only the 500 largest type × destination pairs are shown; there are more.
            </p>
          )}
        </>
      )}
    </Card>
  );
}
