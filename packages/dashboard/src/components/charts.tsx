/**
 * Chart conventions on top of Recharts: colours come from the theme's CSS variables (so light and dark
 * both read well), every chart sits in a responsive frame with an accessible name and a text fallback.
 */
import { cloneElement, isValidElement, type ReactElement, type ReactNode } from 'react';
import { ResponsiveContainer } from 'recharts';

/** Series colours by name; CSS variables resolve in SVG `fill`/`stroke` attributes. */
export const SERIES_COLORS: Record<string, string> = {
  interactions: 'var(--c-series-1)',
  activeUsers: 'var(--c-series-2)',
  apps: 'var(--c-series-3)',
  models: 'var(--c-series-4)',
  inputTokens: 'var(--c-series-1)',
  outputTokens: 'var(--c-series-5)',
  costUsd: 'var(--c-series-6)',
  blocked: 'var(--c-bad)',
  redacted: 'var(--c-warn)',
  warned: 'var(--c-series-6)',
  held: 'var(--c-info)',
  routed: 'var(--c-series-3)',
  monitored: 'var(--c-series-4)',
  allowed: 'var(--c-good)',
};

/** Colour n of a categorical palette. */
export function paletteColor(i: number): string {
  return `var(--c-series-${(i % 8) + 1})`;
}

export const AXIS_PROPS = {
  stroke: 'var(--c-muted)',
  tick: { fill: 'var(--c-muted)', fontSize: 12 },
  tickLine: false,
} as const;

export const GRID_PROPS = { stroke: 'var(--c-border)', strokeDasharray: '3 3' } as const;

export const TOOLTIP_PROPS = {
  contentStyle: {
    background: 'var(--c-surface)',
    border: '1px solid var(--c-border)',
    color: 'var(--c-text)',
    borderRadius: 6,
  },
  labelStyle: { color: 'var(--c-text)' },
  itemStyle: { color: 'var(--c-text)' },
} as const;

/**
 * A chart in a box of fixed height that follows its container's width. `label` names the chart for
 * screen readers (the chart's SVG is hidden from them; `summary` says in words what it shows).
 */
export function ChartFrame(props: {
  label: string;
  height?: number;
  summary?: string;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <figure className="chart" aria-label={props.label} data-testid={props.testId}>
      <div style={{ width: '100%', height: props.height ?? 240 }} aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          {isValidElement(props.children)
            ? // The SVG is hidden from assistive technology (the summary speaks for it), so it must not
              // take focus either: Recharts 3's keyboard layer would be a focusable node inside aria-hidden.
              cloneElement(props.children as ReactElement<{ accessibilityLayer?: boolean }>, {
                accessibilityLayer: false,
              })
            : props.children}
        </ResponsiveContainer>
      </div>
      {props.summary !== undefined && <figcaption className="sr-only">{props.summary}</figcaption>}
    </figure>
  );
}
