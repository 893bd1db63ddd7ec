/**
 * Activity: every interaction through the gateway, newest first, filtered and searched on the server and
 * paged by cursor. The filters, the page size and the cursors of the pages walked live in the hash query
 * (`#/activity?user=ada&action=blocked`), so links from other pages and reloads give the same view.
 * Typing is debounced; selects apply at once; useApi aborts stale requests so an older answer never
 * replaces a newer one. Only the redacted preview is ever shown here.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { ApiError, apiPath, apiToken, can, type Session } from '../api.ts';
import { Badge, Card, DataTable, ErrorNotice, FamilyChip, Page, WINDOWS } from '../components/ui.tsx';
import { formatAgo, formatCost, formatCount, formatMs, formatTime } from '../format.ts';
import { useAction, useApi, useDebounced } from '../hooks.ts';
import { href, navigate, type Route } from '../router.ts';
import {
  EVENT_ACTIONS,
  EVENT_STATUSES,
  type EventPage,
  type EventSummary,
  FAMILIES,
  familyLabel,
} from './event-types.ts';
import './Activity.css';

const TEXT_FILTERS = ['user', 'group', 'app', 'model', 'type', 'topic', 'rule', 'label'] as const;
const FILTER_KEYS = [
  'q',
  'user',
  'group',
  'app',
  'model',
  'action',
  'family',
  'type',
  'topic',
  'rule',
  'label',
  'status',
  'since',
  'until',
] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
type Filters = Partial<Record<FilterKey, string>>;

const PAGE_SIZES = [25, 50, 100, 200, 500] as const;
const DEFAULT_PAGE_SIZE = 50;
const PREVIEW_CHARS = 160;

/** The filters of a hash query (unknown names ignored, values trimmed). */
function filtersOf(params: URLSearchParams): Filters {
  const f: Filters = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k)?.trim();
    if (v !== undefined && v !== '') f[k] = v;
  }
  return f;
}

/** The filters worth sending: trimmed, non-empty, and a search with a letter or digit. */
function cleaned(f: Filters): Filters {
  const out: Filters = {};
  for (const k of FILTER_KEYS) {
    const v = f[k]?.trim();
    if (v === undefined || v === '') continue;
    if (k === 'q' && !searchable(v)) continue;
    out[k] = v;
  }
  return out;
}

function searchable(q: string): boolean {
  return /[\p{L}\p{N}]/u.test(q);
}

function keyOf(f: Filters): string {
  return FILTER_KEYS.map((k) => `${k}=${f[k] ?? ''}`).join('&');
}

function pageSizeOf(raw: string | null): number {
  const n = Number(raw);
  return (PAGE_SIZES as readonly number[]).includes(n) ? n : DEFAULT_PAGE_SIZE;
}

/** The cursors of the pages walked so far (`pages=c1.c2`): the last one is the current page's `after`. */
function cursorsOf(raw: string | null): string[] {
  if (raw === null || raw === '') return [];
  return raw.split('.').filter((c) => /^-?[0-9]{1,19}$/.test(c));
}

function activityHref(f: Filters, limit: number, cursors: readonly string[]): string {
  return href(['activity'], {
    ...f,
    limit: limit === DEFAULT_PAGE_SIZE ? undefined : String(limit),
    pages: cursors.length === 0 ? undefined : cursors.join('.'),
  });
}

/** `2025-03-01T10:00` (local, for datetime-local) from an ISO time; '' when not a time. */
function toLocalInput(iso: string | undefined): string {
  if (iso === undefined || !/^\d{4}-\d{2}-\d{2}/.test(iso)) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(local: string): string {
  if (local === '') return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

export function ActivityPage(props: { session: Session; route: Route }) {
  const { session, route } = props;
  const applied = filtersOf(route.params);
  const appliedKey = keyOf(applied);
  const limit = pageSizeOf(route.params.get('limit'));
  const cursors = cursorsOf(route.params.get('pages'));

  // What the form shows; the hash (applied) follows it, at once for selects, debounced for typing.
  const [draft, setDraft] = useState<Filters>(applied);
  const written = useRef(appliedKey);
  const appliedRef = useRef(appliedKey);
  appliedRef.current = appliedKey;
  const limitRef = useRef(limit);
  limitRef.current = limit;

  // The hash changed from outside (a link, back, reload): the form follows.
  // biome-ignore lint/correctness/useExhaustiveDependencies: appliedKey stands for applied.
  useEffect(() => {
    if (appliedKey !== written.current) {
      written.current = appliedKey;
      setDraft(applied);
    }
  }, [appliedKey]);

  const write = (f: Filters) => {
    const next = cleaned(f);
    const key = keyOf(next);
    if (key === appliedRef.current) return;
    written.current = key;
    navigate(activityHref(next, limitRef.current, []), true);
  };

  const debounced = useDebounced(draft, 350);
  // biome-ignore lint/correctness/useExhaustiveDependencies: write reads refs only.
  useEffect(() => write(debounced), [debounced]);

  const setNow = (patch: Filters) => {
    const next = { ...draft, ...patch };
    setDraft(next);
    write(next);
  };
  const setTyped = (patch: Filters) => setDraft((d) => ({ ...d, ...patch }));

  const after = cursors[cursors.length - 1];
  const query = { ...applied, limit, after };
  const page = useApi<EventPage>('/events', query);

  // Keep the last rows on screen while the next answer loads (dimmed), so the table does not jump.
  const last = useRef<{ page: EventPage; key: string } | null>(null);
  const pageKey = `${appliedKey}|${limit}|${after ?? ''}`;
  if (page.data !== null) last.current = { page: page.data, key: pageKey };
  const shown = page.data ?? (page.loading && page.error === null ? (last.current?.page ?? null) : null);
  const stale = page.data === null && shown !== null;

  const goPage = (next: readonly string[]) => navigate(activityHref(applied, limit, next), true);
  const anyFilter = Object.keys(applied).length > 0;
  const qInvalid = draft.q !== undefined && draft.q.trim() !== '' && !searchable(draft.q);

  return (
    <Page
      title="Activity"
      subtitle="Every interaction through the gateway, newest first. Content is shown redacted."
      actions={
        <>
          <button type="button" className="btn" onClick={page.reload}>
            Refresh
          </button>
          {can(session, 'events.export') && <ExportButtons filters={applied} session={session} />}
        </>
      }
    >
      <Card className="activity-filters">
        <search aria-label="Filter events">
          <form onSubmit={(e) => e.preventDefault()} className="stack">
            <label className="field activity-search">
              <span>Search the redacted content</span>
              <input
                type="search"
                data-search=""
                value={draft.q ?? ''}
                placeholder="Words of the prompt or answer, e.g. quarterly revenue, refund*"
                onChange={(e) => setTyped({ q: e.target.value })}
                aria-describedby="activity-search-hint"
              />
              <span id="activity-search-hint" className="muted small">
                {qInvalid
                  ? 'Type a letter or a digit to search.'
                  : 'Whole words, all required; case and accents ignored; word* matches words starting with it (3+ letters).'}
              </span>
            </label>
            <div className="filters">
              <SuggestField label="User" dimension="user" session={session} draft={draft} onType={setTyped} />
              <SuggestField
                label="Group"
                dimension="group"
                session={session}
                draft={draft}
                onType={setTyped}
              />
              <SuggestField label="App" dimension="app" session={session} draft={draft} onType={setTyped} />
              <SuggestField
                label="Model"
                dimension="model"
                session={session}
                draft={draft}
                onType={setTyped}
              />
              <SelectField
                label="Decision"
                value={draft.action ?? ''}
                options={EVENT_ACTIONS.map((a) => ({ value: a, label: a }))}
                onChange={(v) => setNow({ action: v })}
              />
              <SelectField
                label="Family"
                value={draft.family ?? ''}
                options={FAMILIES.map((f) => ({ value: f, label: `${familyLabel(f)} (${f})` }))}
                onChange={(v) => setNow({ family: v })}
              />
              <SuggestField label="Type" dimension="type" session={session} draft={draft} onType={setTyped} />
              <SuggestField
                label="Topic"
                dimension="topic"
                session={session}
                draft={draft}
                onType={setTyped}
              />
            </div>
            <div className="filters">
              <TimeFields draft={draft} onChange={setNow} />
            </div>
            <details
              className="activity-more"
              open={Boolean(applied.rule ?? applied.label ?? applied.status)}
            >
              <summary>More filters: rule, label, status</summary>
              <div className="filters">
                <TextField label="Rule" name="rule" draft={draft} onType={setTyped} />
                <TextField label="Label" name="label" draft={draft} onType={setTyped} />
                <SelectField
                  label="Status"
                  value={draft.status ?? ''}
                  options={EVENT_STATUSES.map((s) => ({ value: s, label: s.replace('_', ' ') }))}
                  onChange={(v) => setNow({ status: v })}
                />
              </div>
            </details>
            {anyFilter && (
              <div className="row">
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => {
                    setDraft({});
                    written.current = keyOf({});
                    navigate(activityHref({}, limit, []), true);
                  }}
                >
                  Clear all filters
                </button>
              </div>
            )}
          </form>
        </search>
      </Card>

      <ErrorNotice error={page.error} onRetry={page.reload} />

      <Card>
        <div className="activity-status row" aria-live="polite">
          <PageStatus page={shown} cursors={cursors} limit={limit} loading={page.loading} />
        </div>
        {shown === null ? (
          page.loading ? (
            <p className="loading">Loading events…</p>
          ) : null
        ) : (
          <div className={`activity-table-wrap${stale ? ' activity-stale' : ''}`} aria-busy={stale}>
            <DataTable
              columns={COLUMNS}
              rows={shown.events}
              rowKey={(e) => e.id}
              caption="Events, newest first"
              testId="activity-table"
              rowTestId="event-row"
              empty={
                anyFilter
                  ? 'No event matches these filters.'
                  : 'No events yet: send a request through the gateway.'
              }
            />
          </div>
        )}
        <nav className="activity-pager row" aria-label="Pages of events">
          <button
            type="button"
            className="btn btn-small"
            disabled={cursors.length === 0}
            onClick={() => goPage([])}
          >
            Newest
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={cursors.length === 0}
            onClick={() => goPage(cursors.slice(0, -1))}
          >
            ← Newer
          </button>
          <span className="muted small">Page {cursors.length + 1}</span>
          <button
            type="button"
            className="btn btn-small"
            disabled={shown?.nextCursor === null || shown === null || stale}
            onClick={() => {
              if (shown?.nextCursor) goPage([...cursors, shown.nextCursor]);
            }}
          >
            Older →
          </button>
          <label className="inline-field">
            <span>Page size</span>
            <select
              value={limit}
              onChange={(e) => navigate(activityHref(applied, Number(e.target.value), []), true)}
            >
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        </nav>
      </Card>
    </Page>
  );
}

function PageStatus(props: { page: EventPage | null; cursors: string[]; limit: number; loading: boolean }) {
  if (props.page === null) return null;
  const n = props.page.events.length;
  if (n === 0) return <span className="muted small">{props.loading ? 'Updating…' : 'No events.'}</span>;
  const first = props.cursors.length * props.limit + 1;
  return (
    <span className="muted small">
      Events {formatCount(first)}–{formatCount(first + n - 1)}
      {props.page.nextCursor === null ? ' · end of results' : ' · more available (Older →)'}
      {props.loading ? ' · updating…' : ''}
    </span>
  );
}

// ---------------------------------------------------------------------------------------------------
// Filter fields

function TextField(props: {
  label: string;
  name: (typeof TEXT_FILTERS)[number];
  draft: Filters;
  onType(patch: Filters): void;
  list?: string;
  onFocus?(): void;
}) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <input
        type="text"
        value={props.draft[props.name] ?? ''}
        list={props.list}
        autoComplete="off"
        spellCheck={false}
        onFocus={props.onFocus}
        onChange={(e) => props.onType({ [props.name]: e.target.value })}
      />
    </label>
  );
}

interface BreakdownAnswer {
  rows: { key: string }[];
}

/** A text filter with suggestions from the analytics breakdown (fetched when first focused). */
function SuggestField(props: {
  label: string;
  dimension: 'user' | 'group' | 'app' | 'model' | 'type' | 'topic';
  session: Session;
  draft: Filters;
  onType(patch: Filters): void;
}) {
  const [wanted, setWanted] = useState(false);
  const listId = useId();
  const allowed = can(props.session, 'analytics.read');
  const options = useApi<BreakdownAnswer>(wanted && allowed ? '/analytics/breakdown' : null, {
    dimension: props.dimension,
    since: '90d',
    limit: 200,
  });
  return (
    <>
      <TextField
        label={props.label}
        name={props.dimension}
        draft={props.draft}
        onType={props.onType}
        list={allowed ? listId : undefined}
        onFocus={() => setWanted(true)}
      />
      {allowed && (
        <datalist id={listId}>
          {(options.data?.rows ?? []).map((r) => (
            <option key={r.key} value={r.key} />
          ))}
        </datalist>
      )}
    </>
  );
}

function SelectField(props: {
  label: string;
  value: string;
  options: { value: string; label: string }[];
  onChange(value: string): void;
}) {
  const known = props.options.some((o) => o.value === props.value);
  return (
    <label className="field">
      <span>{props.label}</span>
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">Any</option>
        {!known && props.value !== '' && <option value={props.value}>{props.value}</option>}
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A window select (`since=24h`) and exact Since / Until times (datetime-local, in local time). */
function TimeFields(props: { draft: Filters; onChange(patch: Filters): void }) {
  const since = props.draft.since ?? '';
  const relative = WINDOWS.some((w) => w.value === since) || /^\d+[smhd]$/.test(since);
  const windowValue = since === '' ? '' : relative ? since : 'custom';
  const windowKnown =
    windowValue === '' || windowValue === 'custom' || WINDOWS.some((w) => w.value === since);
  return (
    <>
      <label className="field">
        <span>Window</span>
        <select
          value={windowValue}
          onChange={(e) => {
            const v = e.target.value;
            if (v === 'custom') {
              const from = new Date(Date.now() - 86_400_000).toISOString();
              props.onChange({ since: from });
            } else props.onChange({ since: v });
          }}
        >
          <option value="">Any time</option>
          {!windowKnown && <option value={since}>Last {since}</option>}
          {WINDOWS.map((w) => (
            <option key={w.value} value={w.value}>
              {w.label}
            </option>
          ))}
          <option value="custom">Custom range</option>
        </select>
      </label>
      <label className="field">
        <span>Since</span>
        <input
          type="datetime-local"
          value={relative ? '' : toLocalInput(since)}
          onChange={(e) => props.onChange({ since: fromLocalInput(e.target.value) })}
        />
      </label>
      <label className="field">
        <span>Until</span>
        <input
          type="datetime-local"
          value={toLocalInput(props.draft.until)}
          onChange={(e) => props.onChange({ until: fromLocalInput(e.target.value) })}
        />
      </label>
    </>
  );
}

// ---------------------------------------------------------------------------------------------------
// Export

function ExportButtons(props: { filters: Filters; session: Session }) {
  const [reveal, setReveal] = useState(false);
  const mayReveal = can(props.session, 'content.reveal');
  const action = useAction((format: 'csv' | 'ndjson') =>
    downloadExport(format, props.filters, mayReveal && reveal),
  );
  return (
    <div className="activity-export row">
      <button type="button" className="btn" disabled={action.busy} onClick={() => void action.run('csv')}>
        Export CSV
      </button>
      <button type="button" className="btn" disabled={action.busy} onClick={() => void action.run('ndjson')}>
        Export NDJSON
      </button>
      {mayReveal && (
        <label className="inline-field small">
          <input type="checkbox" checked={reveal} onChange={(e) => setReveal(e.target.checked)} />
          <span>With unredacted content (audited)</span>
        </label>
      )}
      {action.busy && (
        <span className="muted small" role="status">
          Exporting…
        </span>
      )}
      {action.error !== null && (
        <div className="activity-export-error">
          <ErrorNotice error={action.error} />
        </div>
      )}
    </div>
  );
}

/** Fetches an export with the API's credentials and saves it through a temporary download link. */
async function downloadExport(format: 'csv' | 'ndjson', filters: Filters, reveal: boolean): Promise<void> {
  const headers = new Headers({ accept: format === 'csv' ? 'text/csv' : 'application/x-ndjson' });
  const token = apiToken();
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(
    apiPath('/events/export', { ...filters, format, reveal: reveal ? 'true' : undefined }),
    { headers, credentials: 'same-origin' },
  );
  if (!res.ok) {
    let code = `HTTP_${res.status}`;
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
    } catch {
      // Not JSON: the status says it.
    }
    throw new ApiError(res.status, code, message);
  }
  const blob = await res.blob();
  const disposition = res.headers.get('content-disposition') ?? '';
  const named = /filename="?([A-Za-z0-9._-]+)"?/.exec(disposition)?.[1];
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = named ?? `parapet-events.${format}`;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---------------------------------------------------------------------------------------------------
// Table

const compactTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

function shortTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : compactTime.format(d);
}

function cut(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  // Do not cut a surrogate pair in half.
  let end = max - 1;
  const code = flat.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${flat.slice(0, end)}…`;
}

function familyCounts(e: EventSummary): { family: string; count: number; types: string[] }[] {
  const by = new Map<string, { family: string; count: number; types: string[] }>();
  for (const d of e.detections) {
    const entry = by.get(d.family) ?? { family: d.family, count: 0, types: [] };
    entry.count += d.count;
    entry.types.push(`${d.type} ×${d.count} (max score ${d.maxScore.toFixed(2)})`);
    by.set(d.family, entry);
  }
  return [...by.values()].sort((a, b) => b.count - a.count);
}

function who(e: EventSummary): string {
  if (e.principal.user !== null) return e.principal.user;
  if (e.principal.via === 'anonymous') return 'anonymous';
  return 'service key';
}

const COLUMNS = [
  {
    key: 'time',
    header: 'Time',
    className: 'activity-time',
    render: (e: EventSummary) => (
      <>
        <a
          href={href(['events', e.id])}
          data-testid="event-link"
          title={`${formatTime(e.time)} · open ${e.id}`}
        >
          {shortTime(e.time)}
        </a>
        <div className="muted small">{formatAgo(e.time)}</div>
      </>
    ),
  },
  {
    key: 'user',
    header: 'User',
    render: (e: EventSummary) => (
      <>
        <span className={e.principal.user === null ? 'muted' : undefined}>{who(e)}</span>
        {e.principal.groups.length > 0 && <div className="muted small">{e.principal.groups.join(', ')}</div>}
      </>
    ),
  },
  {
    key: 'app',
    header: 'App',
    render: (e: EventSummary) => e.principal.app ?? <span className="muted">–</span>,
  },
  {
    key: 'model',
    header: 'Model',
    render: (e: EventSummary) => (
      <>
        <span className="nowrap">{e.modelRequested ?? e.modelServed ?? '–'}</span>
        {e.modelServed !== null && e.modelRequested !== null && e.modelServed !== e.modelRequested && (
          <div className="mono-wrap-soft">→ {e.modelServed}</div>
        )}
        <div className="muted small nowrap">{e.provider ?? e.route}</div>
      </>
    ),
  },
  {
    key: 'decision',
    header: 'Decision',
    render: (e: EventSummary) => (
      <>
        <Badge value={e.action} />
        {e.status !== 'success' && e.status !== 'blocked' && (
          <div className="small activity-error">
            {e.status.replace('_', ' ')} {e.httpStatus}
          </div>
        )}
        {e.rules.length > 0 && <div className="muted small mono-wrap">{e.rules.join(', ')}</div>}
        {e.labels.length > 0 && (
          <div className="activity-labels">
            {e.labels.map((l) => (
              <span key={l} className="badge badge-neutral">
                {l}
              </span>
            ))}
          </div>
        )}
      </>
    ),
  },
  {
    key: 'findings',
    header: 'Findings',
    render: (e: EventSummary) => {
      const families = familyCounts(e);
      if (families.length === 0) return <span className="muted">none</span>;
      return families.map((f) => (
        <span key={f.family} title={f.types.join('\n')}>
          <FamilyChip family={f.family}>
            {f.family} {f.count}
          </FamilyChip>
        </span>
      ));
    },
  },
  {
    key: 'topics',
    header: 'Topics',
    render: (e: EventSummary) =>
      e.topics.length === 0 ? <span className="muted">–</span> : e.topics.join(', '),
  },
  {
    key: 'latency',
    header: 'Latency',
    numeric: true,
    render: (e: EventSummary) => formatMs(e.latencyMs),
  },
  {
    key: 'tokens',
    header: 'Tokens',
    numeric: true,
    render: (e: EventSummary) =>
      e.usage === null ? (
        <span className="muted">–</span>
      ) : (
        <>
          <div
            className="nowrap"
            title={e.usage.estimated ? 'Estimated by the gateway' : 'Reported by the provider'}
          >
            {e.usage.estimated ? '~' : ''}
            {formatCount(e.usage.inputTokens)} in
          </div>
          <div className="nowrap">{formatCount(e.usage.outputTokens)} out</div>
          {e.costUsd !== null && <div className="muted small">{formatCost(e.costUsd)}</div>}
        </>
      ),
  },
  {
    key: 'preview',
    header: 'Preview (redacted)',
    className: 'activity-preview',
    render: (e: EventSummary) => {
      if (e.preview === null)
        return <span className="muted">{e.contentMode === 'none' ? 'content not kept' : '–'}</span>;
      return (
        <>
          <div className="activity-preview-line activity-preview-input" title={cut(e.preview.input, 600)}>
            {cut(e.preview.input, PREVIEW_CHARS)}
          </div>
          {e.preview.output !== '' && (
            <div className="activity-preview-line muted">
              <span aria-hidden="true">↳ </span>
              <span className="sr-only">Answer: </span>
              {cut(e.preview.output, PREVIEW_CHARS)}
            </div>
          )}
        </>
      );
    },
  },
];
