/**
 * The dashboard's building blocks. All content (prompts, names, messages from the server) is rendered as
 * React text children, which React escapes: nothing here, nor in any page, sets HTML from data.
 */
import { type ReactNode, useEffect, useId, useRef } from 'react';
import { ApiError } from '../api.ts';

export function Page(props: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
  subtitle?: ReactNode;
}) {
  useEffect(() => {
    document.title = `${props.title} · Parapet`;
  }, [props.title]);
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <div>
          <h1 id="page-title">{props.title}</h1>
          {props.subtitle !== undefined && <p className="muted">{props.subtitle}</p>}
        </div>
        {props.actions !== undefined && <div className="page-actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

export function Card(props: {
  title?: ReactNode;
  children: ReactNode;
  className?: string;
  actions?: ReactNode;
  testId?: string;
}) {
  const id = useId();
  return (
    <section
      data-testid={props.testId}
      className={`card ${props.className ?? ''}`}
      aria-labelledby={props.title === undefined ? undefined : id}
    >
      {props.title !== undefined && (
        <header className="card-header">
          <h2 id={id}>{props.title}</h2>
          {props.actions}
        </header>
      )}
      {props.children}
    </section>
  );
}

export function Stat(props: { label: string; value: ReactNode; hint?: ReactNode; testId?: string }) {
  return (
    <div className="stat" data-testid={props.testId}>
      <div className="stat-label">{props.label}</div>
      <div className="stat-value">{props.value}</div>
      {props.hint !== undefined && <div className="stat-hint">{props.hint}</div>}
    </div>
  );
}

export function Loading(props: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      {props.label ?? 'Loading…'}
    </p>
  );
}

/** An error from the API or the browser, with its PARAPET_… code when it has one. */
export function ErrorNotice(props: { error: Error | null; onRetry?: () => void }) {
  if (props.error === null) return null;
  const code = props.error instanceof ApiError ? props.error.code : null;
  return (
    <div className="notice notice-error" role="alert">
      <strong>{code ?? 'Error'}</strong> <span>{props.error.message}</span>
      {props.onRetry !== undefined && (
        <button type="button" className="btn btn-small" onClick={props.onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Empty(props: { children: ReactNode }) {
  return <p className="empty muted">{props.children}</p>;
}

export interface Column<T> {
  key: string;
  header: ReactNode;
  render(row: T): ReactNode;
  /** Right-align numbers. */
  numeric?: boolean;
  className?: string;
}

/** A plain, accessible table; rows are keyed by `rowKey`. */
export function DataTable<T>(props: {
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey(row: T): string;
  caption?: string;
  empty?: ReactNode;
  testId?: string;
  rowTestId?: string;
}) {
  if (props.rows.length === 0) return <Empty>{props.empty ?? 'Nothing to show.'}</Empty>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid={props.testId}>
        {props.caption !== undefined && <caption className="sr-only">{props.caption}</caption>}
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.key} scope="col" className={c.numeric ? 'num' : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={props.rowKey(row)} data-testid={props.rowTestId}>
              {props.columns.map((c) => (
                <td
                  key={c.key}
                  className={[c.numeric ? 'num' : '', c.className ?? ''].join(' ').trim() || undefined}
                >
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const ACTION_CLASS: Record<string, string> = {
  blocked: 'bad',
  block: 'bad',
  denied: 'bad',
  redacted: 'warn',
  redact: 'warn',
  warned: 'warn',
  warn: 'warn',
  held: 'info',
  hold: 'info',
  pending: 'info',
  routed: 'info',
  route: 'info',
  monitored: 'neutral',
  monitor: 'neutral',
  allowed: 'good',
  allow: 'good',
  approved: 'good',
  sanctioned: 'good',
};

/** A decision, status or risk as a coloured label (the word is always shown, never colour alone). */
export function Badge(props: { value: string; tone?: 'good' | 'bad' | 'warn' | 'info' | 'neutral' }) {
  const tone = props.tone ?? ACTION_CLASS[props.value] ?? 'neutral';
  return <span className={`badge badge-${tone}`}>{props.value}</span>;
}

/** Detection family, with its colour (shared with the highlights of the interaction view). */
export function FamilyChip(props: { family: string; children?: ReactNode }) {
  return (
    <span className={`chip fam fam-${familyClass(props.family)}`}>{props.children ?? props.family}</span>
  );
}

const FAMILIES = new Set([
  'pii',
  'secrets',
  'code',
  'confidential',
  'prompt_attack',
  'harmful',
  'toxicity',
  'topics',
  'canary',
]);
export function familyClass(family: string): string {
  return FAMILIES.has(family) ? family : 'other';
}

export const WINDOWS = [
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: '90d', label: 'Last 90 days' },
] as const;

/** The time-window picker shared by overview, people and activity (values are `since` durations). */
export function WindowSelect(props: { value: string; onChange(value: string): void; id?: string }) {
  const fallback = useId();
  const id = props.id ?? fallback;
  return (
    <label className="inline-field" htmlFor={id}>
      <span>Window</span>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {WINDOWS.map((w) => (
          <option key={w.value} value={w.value}>
            {w.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * A modal dialog (the native <dialog>, so focus is trapped and Escape closes it). Used for confirmations
 * that need a reason (deny, kill switch).
 */
export function Dialog(props: { open: boolean; title: string; onClose(): void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (d === null) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} onClose={props.onClose}>
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

/** Text that may be long (ids, hashes): shown in monospace and cut with an ellipsis, full on hover. */
export function Mono(props: { children: string; max?: number }) {
  const max = props.max ?? 48;
  const text = props.children;
  return (
    <code className="mono" title={text.length > max ? text : undefined}>
      {text.length > max ? `${text.slice(0, max - 1)}…` : text}
    </code>
  );
}
