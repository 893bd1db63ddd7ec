/**
 * Pieces shared by the Overview and People & apps pages: the window kept in the hash, links to the
 * Activity page with a filter, trend words and arrows, a data table behind each chart, share bars.
 */
import { type ReactNode, useEffect, useState } from 'react';
import { formatPercent } from '../format.ts';
import { href, navigate, type Route } from '../router.ts';
import { AXIS_PROPS } from './charts.tsx';
import { WINDOWS } from './ui.tsx';

export const DEFAULT_WINDOW = '7d';

/** The window of the hash params (`window=30d`), one of the WindowSelect's values. */
export function windowOf(params: URLSearchParams): string {
  const w = params.get('window');
  return WINDOWS.some((o) => o.value === w) && w !== null ? w : DEFAULT_WINDOW;
}

export function windowLabel(value: string): string {
  return WINDOWS.find((w) => w.value === value)?.label ?? value;
}

/** Minutes of a window value (`7d` → 10080). */
export function windowMinutes(value: string): number {
  const m = /^([0-9]+)([mhd])$/.exec(value);
  if (m === null) return 7 * 1440;
  const n = Number(m[1]);
  return m[2] === 'd' ? n * 1440 : m[2] === 'h' ? n * 60 : n;
}

/** Replaces the current hash route's params with `changes` (undefined removes one), keeping the history entry. */
export function setParams(route: Route, changes: Readonly<Record<string, string | undefined>>): void {
  const next: Record<string, string> = {};
  for (const [k, v] of route.params) next[k] = v;
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete next[k];
    else next[k] = v;
  }
  navigate(href(route.parts, next), true);
}

/** The browser's current UTC offset as the analytics `tz` parameter (`+02:00`), so day buckets start at local midnight. */
export function localTz(): string {
  const offset = -new Date().getTimezoneOffset();
  const a = Math.abs(offset);
  return `${offset < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** `#/activity?…` with the filters given (the Activity page reads the GET /events parameter names). */
export function activityHref(filters: Readonly<Record<string, string | undefined>>): string {
  return href(['activity'], filters);
}

/**
 * A value linking to the Activity page filtered to it, when the role may read events; plain text
 * otherwise, and for `null` (events without one), which no filter can select.
 */
export function FilterLink(props: {
  canLink: boolean;
  filters: Readonly<Record<string, string | undefined>> | null;
  children: ReactNode;
  label?: string;
}) {
  if (!props.canLink || props.filters === null) return <>{props.children}</>;
  return (
    <a href={activityHref(props.filters)} aria-label={props.label}>
      {props.children}
    </a>
  );
}

/** A name that may be null (events without a user, group, app or model). */
export function NameText(props: { name: string | null; none: string }) {
  return props.name === null ? <span className="muted">{props.none}</span> : props.name;
}

/**
 * A change against the previous period, in words and an arrow (never colour alone): `↑ 50%`,
 * `↓ 12%`, `→ 0%`, or `new` when the previous period had none.
 */
export function Trend(props: { change: number | null; current: number; label?: string; upIsBad?: boolean }) {
  const { change, current } = props;
  let arrow: string;
  let text: string;
  let words: string;
  let tone: 'up' | 'down' | 'flat' | 'new';
  if (change === null) {
    if (current === 0) {
      arrow = '–';
      text = 'none';
      words = 'none in either period';
      tone = 'flat';
    } else {
      arrow = '★';
      text = 'new';
      words = 'new: none in the previous period';
      tone = 'new';
    }
  } else if (Math.abs(change) < 0.005) {
    arrow = '→';
    text = '0%';
    words = 'unchanged';
    tone = 'flat';
  } else {
    const pct = formatPercent(Math.abs(change), Math.abs(change) >= 0.1 ? 0 : 1);
    arrow = change > 0 ? '↑' : '↓';
    text = `${change > 0 ? '+' : '−'}${pct}`;
    words = `${change > 0 ? 'up' : 'down'} ${pct}`;
    tone = change > 0 ? 'up' : 'down';
  }
  const judged =
    props.upIsBad === true && tone !== 'flat' ? (tone === 'down' ? ' trend-better' : ' trend-worse') : '';
  return (
    <span className={`trend trend-${tone}${judged}`}>
      {props.label === undefined ? (
        <span className="sr-only">Change from the previous period: </span>
      ) : (
        <>
          <span className="trend-label">{props.label}</span>{' '}
        </>
      )}
      <span aria-hidden="true">
        {arrow} {text}
      </span>
      <span className="sr-only">{words}</span>
    </span>
  );
}

/** A thin decorative bar (the number it stands for is always written next to it). */
export function ShareBar(props: { value: number; max: number; tone?: string }) {
  const pct = props.max > 0 ? Math.max(2, Math.round((props.value / props.max) * 100)) : 0;
  return (
    <span className="share-bar" aria-hidden="true">
      <span style={{ width: `${pct}%`, background: props.tone ?? 'var(--c-series-1)' }} />
    </span>
  );
}

/**
 * A chart's numbers as a table, behind a disclosure (keyboard and screen-reader users read the chart
 * here; everyone can copy the figures). Rendered only while open.
 */
export function DataDetails(props: { summary: string; children: () => ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="data-details" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{props.summary}</summary>
      {open && <div className="data-details-body">{props.children()}</div>}
    </details>
  );
}

/** Whether a media query matches, following changes (wall screens get taller charts). */
export function useMedia(query: string): boolean {
  const [matches, setMatches] = useState(() => window.matchMedia?.(query).matches ?? false);
  useEffect(() => {
    const mq = window.matchMedia?.(query);
    if (mq === undefined) return;
    const on = () => setMatches(mq.matches);
    on();
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, [query]);
  return matches;
}

/** Chart height for the screen: taller on wall screens. */
export function useChartHeight(base = 240): number {
  return useMedia('(min-width: 2200px)') ? Math.round(base * 1.45) : base;
}

/** Axis props with ticks that grow on wall screens (the shared ones are 12 px). */
export function useAxisProps(): Omit<typeof AXIS_PROPS, 'tick'> & {
  tick: { fill: string; fontSize: number };
} {
  const wall = useMedia('(min-width: 2200px)');
  return wall ? { ...AXIS_PROPS, tick: { ...AXIS_PROPS.tick, fontSize: 16 } } : AXIS_PROPS;
}

/** An axis width in pixels for 12 px ticks, grown with the ticks' font. */
export function scaled(px: number, axis: { tick: { fontSize: number } }): number {
  return Math.round((px * axis.tick.fontSize) / 12);
}
