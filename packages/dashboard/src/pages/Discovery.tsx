/**
 * Discovery: shadow AI found in web-proxy logs. The AI services people use (users × services, requests,
 * bytes uploaded, first and last seen, status, risk with its sources), AI-looking hosts outside the catalog,
 * the imports, uploading a log, marking a service sanctioned or blocked (blocking feeds
 * `global.blocked_apps` and the proxies' blocklist), and downloading that blocklist.
 * Every value from a log or the catalog is rendered as React text.
 */
import { type FormEvent, Fragment, useEffect, useId, useMemo, useRef, useState } from 'react';
import { api, can, type Session } from '../api.ts';
import {
  Badge,
  Card,
  type Column,
  DataTable,
  Dialog,
  Empty,
  ErrorNotice,
  Loading,
  Mono,
  Page,
  Stat,
} from '../components/ui.tsx';
import { formatAgo, formatCount, formatTime } from '../format.ts';
import { toError, useAction, useApi } from '../hooks.ts';
import { href, navigate, type Route } from '../router.ts';
import './Discovery.css';
import {
  attributeValue,
  BLOCKLIST_STYLES,
  type BlocklistStyle,
  type Candidate,
  type DiscoveredService,
  type DiscoveredServiceList,
  type DiscoveryRun,
  formatBytes,
  guessFormat,
  httpUrl,
  type ImportResult,
  isSeen,
  LOG_FORMATS,
  type LogFormat,
  MAX_UPLOAD_BYTES,
  RISK_ATTRIBUTES,
  RISK_ORDER,
  type RiskKey,
  type RiskLevel,
  type RiskRating,
  rateRisk,
  riskTone,
  rollUpUsers,
  SERVICE_STATUSES,
  type ServiceRisk,
  type ServiceStatus,
  type ServiceUser,
  type ServiceUserList,
  type StatusChanged,
  type UserRollup,
} from './discovery-types.ts';

// ---------------------------------------------------------------------------------------------------
// Filters kept in the hash route (`#/discovery?status=unreviewed&sort=bytesUp&service=chatgpt`), so a
// filtered view or an opened service is a link.

const SORT_KEYS = ['requests', 'bytesUp', 'users', 'risk', 'lastSeen', 'name'] as const;
type SortKey = (typeof SORT_KEYS)[number];
const RISK_LEVELS: readonly RiskLevel[] = ['high', 'medium', 'low', 'unknown'];

interface Filters {
  q: string;
  status: ServiceStatus | '';
  category: string;
  risk: RiskLevel | '';
  scope: 'seen' | 'all';
  sort: SortKey;
  dir: 'asc' | 'desc';
  service: string;
}

function readFilters(params: URLSearchParams): Filters {
  const status = params.get('status') ?? '';
  const risk = params.get('risk') ?? '';
  const sort = params.get('sort') ?? '';
  return {
    q: params.get('q') ?? '',
    status: (SERVICE_STATUSES as readonly string[]).includes(status) ? (status as ServiceStatus) : '',
    category: params.get('category') ?? '',
    risk: (RISK_LEVELS as readonly string[]).includes(risk) ? (risk as RiskLevel) : '',
    scope: params.get('scope') === 'all' ? 'all' : 'seen',
    sort: (SORT_KEYS as readonly string[]).includes(sort) ? (sort as SortKey) : 'requests',
    dir: params.get('dir') === 'asc' ? 'asc' : 'desc',
    service: params.get('service') ?? '',
  };
}

function filtersHref(f: Filters): string {
  return href(['discovery'], {
    q: f.q,
    status: f.status,
    category: f.category,
    risk: f.risk,
    scope: f.scope === 'all' ? 'all' : undefined,
    sort: f.sort === 'requests' ? undefined : f.sort,
    dir: f.dir === 'desc' ? undefined : f.dir,
    service: f.service,
  });
}

const dateTimeShort = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });

/** A time in a table: short, with the full time on hover and in a machine-readable attribute. */
function When(props: { iso: string | null | undefined; ago?: boolean }) {
  if (props.iso === null || props.iso === undefined) return <span className="muted">–</span>;
  const d = new Date(props.iso);
  if (Number.isNaN(d.getTime())) return <span>{props.iso}</span>;
  return (
    <time dateTime={props.iso} title={formatTime(props.iso)} className="nowrap">
      {props.ago ? formatAgo(props.iso) : dateTimeShort.format(d)}
    </time>
  );
}

function includesText(haystack: readonly string[], needle: string): boolean {
  const n = needle.trim().toLowerCase();
  if (n === '') return true;
  return haystack.some((h) => h.toLowerCase().includes(n));
}

const STATUS_TONE: Record<ServiceStatus, 'good' | 'bad' | 'warn'> = {
  sanctioned: 'good',
  blocked: 'bad',
  unreviewed: 'warn',
};

function StatusBadge(props: { status: ServiceStatus }) {
  return <Badge value={props.status} tone={STATUS_TONE[props.status]} />;
}

// ---------------------------------------------------------------------------------------------------
// The page

export function DiscoveryPage(props: { session: Session; route: Route }) {
  const filters = readFilters(props.route.params);
  const setFilters = (patch: Partial<Filters>) => navigate(filtersHref({ ...filters, ...patch }), true);
  const canWrite = can(props.session, 'discovery.write');

  const services = useApi<DiscoveredServiceList>('/discovery/services', {
    scope: filters.scope === 'all' ? 'all' : undefined,
  });
  const candidates = useApi<{ candidates: Candidate[] }>('/discovery/candidates', { limit: 1000 });
  const runs = useApi<{ runs: DiscoveryRun[] }>('/discovery/runs', { limit: 25 });
  // A status change shows at once (from the API's answer) while the list is fetched again.
  const [patched, setPatched] = useState<{ base: DiscoveredServiceList; list: DiscoveredServiceList } | null>(
    null,
  );
  const data = patched !== null && patched.base === services.data ? patched.list : services.data;
  const people = useServiceUsers(data);

  const [pending, setPending] = useState<{ service: DiscoveredService; target: ServiceStatus } | null>(null);
  const [changed, setChanged] = useState<StatusChanged | null>(null);

  const reloadAll = () => {
    services.reload();
    candidates.reload();
    runs.reload();
  };

  const all = data?.services ?? [];
  const seen = useMemo(() => (data?.services ?? []).filter(isSeen), [data]);

  return (
    <Page
      title="Discovery"
      subtitle={
        <>
          Shadow AI found in web-proxy and firewall logs: which AI services people use, how much they send,
          and what is known of each service’s data handling.
          {data !== null && <> AI service catalog reviewed {data.catalogUpdated}.</>}
        </>
      }
      actions={<BlocklistDownload />}
    >
      <div className="disc-page">
        <ErrorNotice error={services.error} onRetry={services.reload} />
        <SummaryTiles services={seen} people={people} loading={services.loading} />
        {!services.loading &&
          services.error === null &&
          seen.length === 0 &&
          (runs.data?.runs.length ?? 0) === 0 && (
            <div className="notice notice-info">
              <span>
                No proxy logs imported yet.{' '}
                {canWrite ? 'Import one below, or' : 'An administrator can import one here or'} run{' '}
                <code>parapet discover --format squid FILE</code> on the gateway host (any size, gzip).
              </span>
            </div>
          )}
        {changed !== null && <StatusAnswer answer={changed} onDismiss={() => setChanged(null)} />}

        <ServicesCard
          filters={filters}
          setFilters={setFilters}
          services={filters.scope === 'all' ? all : seen}
          loading={services.loading}
          canWrite={canWrite}
          onChangeStatus={(service, target) => setPending({ service, target })}
        />

        <PeopleCard filters={filters} people={people} />
        <CandidatesCard q={filters.q} loaded={candidates} />

        <RunsCard loaded={runs} />
        <div className="disc-import-wrap">
          {canWrite ? (
            <ImportCard onImported={reloadAll} />
          ) : (
            <Card title="Import a proxy log">
              <p className="muted">
                Your role can read discovery results but not import logs or change a service’s status (that
                needs the <code>discovery.write</code> permission).
              </p>
            </Card>
          )}
        </div>

        <StatusDialog
          pending={pending}
          onClose={() => setPending(null)}
          onChanged={(answer) => {
            if (services.data !== null) {
              const base = services.data;
              const list = {
                ...base,
                services: base.services.map((x) => (x.id === answer.service.id ? answer.service : x)),
              };
              setPatched({ base, list });
            }
            setPending(null);
            setChanged(answer);
            services.reload();
          }}
        />
      </div>
    </Page>
  );
}

// ---------------------------------------------------------------------------------------------------
// Users × services: every seen service's users, rolled up per user.

interface PeopleState {
  rows: UserRollup[] | null;
  error: Error | null;
  /** Services whose users were fetched (those with usage). */
  services: number;
}

const USERS_LIMIT = 10_000;

function useServiceUsers(list: DiscoveredServiceList | null): PeopleState {
  const [state, setState] = useState<{ for: DiscoveredServiceList | null; value: PeopleState }>({
    for: null,
    value: { rows: null, error: null, services: 0 },
  });
  useEffect(() => {
    if (list === null) return;
    const used = list.services.filter((s) => s.usage !== null);
    const abort = new AbortController();
    const results: { service: DiscoveredService; users: ServiceUser[] }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < used.length) {
        const service = used[next++];
        if (service === undefined) break;
        const answer = await api<ServiceUserList>(
          'GET',
          `/discovery/services/${encodeURIComponent(service.id)}/users`,
          { query: { limit: USERS_LIMIT }, signal: abort.signal },
        );
        results.push({ service, users: answer.users });
      }
    };
    Promise.all(Array.from({ length: Math.min(6, used.length) }, worker)).then(
      () =>
        setState({ for: list, value: { rows: rollUpUsers(results), error: null, services: used.length } }),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        setState({ for: list, value: { rows: null, error: toError(err), services: used.length } });
      },
    );
    return () => abort.abort();
  }, [list]);
  return state.for === list ? state.value : { rows: null, error: null, services: 0 };
}

// ---------------------------------------------------------------------------------------------------
// Summary

function SummaryTiles(props: {
  services: readonly DiscoveredService[];
  people: PeopleState;
  loading: boolean;
}) {
  const used = props.services.filter((s) => s.usage !== null);
  const unsanctioned = used.filter((s) => s.status.status !== 'sanctioned');
  const unreviewed = used.filter((s) => s.status.status === 'unreviewed').length;
  const blocked = props.services.filter((s) => s.status.status === 'blocked');
  const blockedInUse = blocked.filter((s) => s.usage !== null).length;
  const requests = used.reduce((n, s) => n + (s.usage?.requests ?? 0), 0);
  const bytesUp = used.reduce((n, s) => n + (s.usage?.bytesUp ?? 0), 0);
  const unsanctionedBytes = unsanctioned.reduce((n, s) => n + (s.usage?.bytesUp ?? 0), 0);
  const dash = props.loading ? '…' : null;
  const users =
    props.people.rows !== null
      ? formatCount(props.people.rows.length)
      : props.people.error !== null
        ? '–'
        : '…';
  return (
    <div className="stats" data-testid="discovery-summary">
      <Stat
        label="Services seen"
        value={dash ?? formatCount(used.length)}
        hint="AI services in imported logs"
        testId="discovery-stat-services"
      />
      <Stat
        label="Unsanctioned"
        value={dash ?? formatCount(unsanctioned.length)}
        hint={`${formatCount(unreviewed)} not reviewed yet`}
        testId="discovery-stat-unsanctioned"
      />
      <Stat
        label="Blocked"
        value={dash ?? formatCount(blocked.length)}
        hint={`${formatCount(blockedInUse)} of them seen in logs`}
        testId="discovery-stat-blocked"
      />
      <Stat
        label="Users"
        value={dash ?? users}
        hint="distinct users or client addresses"
        testId="discovery-stat-users"
      />
      <Stat
        label="Requests"
        value={dash ?? formatCount(requests)}
        hint="to catalog AI services"
        testId="discovery-stat-requests"
      />
      <Stat
        label="Bytes uploaded"
        value={dash ?? formatBytes(bytesUp)}
        hint={`${formatBytes(unsanctionedBytes)} to unsanctioned services`}
        testId="discovery-stat-bytes"
      />
    </div>
  );
}

/** The API's answer to a status change: what changed, and the block list after it. */
function StatusAnswer(props: { answer: StatusChanged; onDismiss(): void }) {
  const a = props.answer;
  const now = a.service.status.status;
  return (
    <div className={`notice ${now === 'blocked' ? 'notice-warn' : 'notice-info'}`} role="status">
      <span>
        <strong>{a.service.name}</strong>: {a.previousStatus} → <StatusBadge status={now} />.{' '}
        {a.policyUpdated
          ? now === 'blocked'
            ? `Added \`${a.service.id}\` to global.blocked_apps.`
            : `Removed \`${a.service.id}\` from global.blocked_apps.`
          : 'global.blocked_apps unchanged.'}{' '}
        Blocked apps now:{' '}
        {a.blockedApps.length === 0 ? (
          <em>none</em>
        ) : (
          a.blockedApps.map((app, i) => (
            <span key={app}>
              {i > 0 && ', '}
              <code>{app}</code>
            </span>
          ))
        )}
        .
      </span>
      <button type="button" className="btn btn-small" onClick={props.onDismiss}>
        Dismiss
      </button>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------
// Services

interface Row {
  service: DiscoveredService;
  rating: RiskRating;
}

const PAGE_ROWS = 100;

function ServicesCard(props: {
  filters: Filters;
  setFilters(patch: Partial<Filters>): void;
  services: readonly DiscoveredService[];
  loading: boolean;
  canWrite: boolean;
  onChangeStatus(service: DiscoveredService, target: ServiceStatus): void;
}) {
  const { filters, setFilters } = props;
  const ids = useId();
  const [showAll, setShowAll] = useState(false);

  const rows = useMemo(() => {
    const rated: Row[] = props.services.map((service) => ({ service, rating: rateRisk(service.risk) }));
    const filtered = rated.filter(
      ({ service, rating }) =>
        (filters.status === '' || service.status.status === filters.status) &&
        (filters.category === '' || service.category === filters.category) &&
        (filters.risk === '' || rating.level === filters.risk) &&
        includesText(
          [service.name, service.vendor, service.id, service.category, ...service.domains],
          filters.q,
        ),
    );
    const sign = filters.dir === 'asc' ? 1 : -1;
    const value = (r: Row): number | string => {
      const u = r.service.usage;
      switch (filters.sort) {
        case 'requests':
          return u?.requests ?? -1;
        case 'bytesUp':
          return u?.bytesUp ?? -1;
        case 'users':
          return u?.users ?? -1;
        case 'risk':
          return RISK_ORDER[r.rating.level] * 1000 + r.rating.score;
        case 'lastSeen':
          return u?.lastSeen ?? '';
        case 'name':
          return r.service.name.toLowerCase();
      }
    };
    return filtered.sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      const c = va < vb ? -1 : va > vb ? 1 : 0;
      return c * sign || (b.service.usage?.requests ?? 0) - (a.service.usage?.requests ?? 0);
    });
  }, [props.services, filters.status, filters.category, filters.risk, filters.q, filters.sort, filters.dir]);

  const categories = useMemo(
    () => [...new Set(props.services.map((s) => s.category))].sort(),
    [props.services],
  );
  const shown = showAll ? rows : rows.slice(0, PAGE_ROWS);
  const colCount = props.canWrite ? 8 : 7;

  const sortBy = (key: SortKey) =>
    setFilters({
      sort: key,
      dir: filters.sort === key ? (filters.dir === 'desc' ? 'asc' : 'desc') : key === 'name' ? 'asc' : 'desc',
    });

  return (
    <Card
      title="AI services"
      actions={
        <span className="muted small" aria-live="polite">
          {props.loading
            ? 'Loading…'
            : `${formatCount(rows.length)} of ${formatCount(props.services.length)}`}
        </span>
      }
    >
      <div className="filters disc-filters">
        <label className="field" htmlFor={`${ids}-q`}>
          <span>Search services, vendors, domains</span>
          <input
            id={`${ids}-q`}
            type="search"
            data-search
            value={filters.q}
            placeholder="e.g. chatgpt"
            onChange={(e) => setFilters({ q: e.target.value })}
          />
        </label>
        <label className="field" htmlFor={`${ids}-status`}>
          <span>Status</span>
          <select
            id={`${ids}-status`}
            value={filters.status}
            onChange={(e) => setFilters({ status: e.target.value as ServiceStatus | '' })}
          >
            <option value="">Any status</option>
            {SERVICE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="field" htmlFor={`${ids}-category`}>
          <span>Category</span>
          <select
            id={`${ids}-category`}
            value={filters.category}
            onChange={(e) => setFilters({ category: e.target.value })}
          >
            <option value="">Any category</option>
            {filters.category !== '' && !categories.includes(filters.category) && (
              <option value={filters.category}>{filters.category}</option>
            )}
            {categories.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className="field" htmlFor={`${ids}-risk`}>
          <span>Risk</span>
          <select
            id={`${ids}-risk`}
            value={filters.risk}
            onChange={(e) => setFilters({ risk: e.target.value as RiskLevel | '' })}
          >
            <option value="">Any risk</option>
            {RISK_LEVELS.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field disc-scope" htmlFor={`${ids}-scope`}>
          <input
            id={`${ids}-scope`}
            type="checkbox"
            checked={filters.scope === 'all'}
            onChange={(e) => setFilters({ scope: e.target.checked ? 'all' : 'seen' })}
          />
          <span>Include catalog services not seen (to block them ahead)</span>
        </label>
        {(filters.q !== '' || filters.status !== '' || filters.category !== '' || filters.risk !== '') && (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setFilters({ q: '', status: '', category: '', risk: '' })}
          >
            Clear filters
          </button>
        )}
      </div>
      <details className="disc-legend">
        <summary>How risk is rated</summary>
        <p className="small">
          Each attribute comes from the catalog with the document it was read in, or says “unknown”: nothing
          is guessed. The dashboard derives a score from 0 to 100 from them: trains on user data by default
          40, no enterprise plan 20, no data-residency offer 16, no certifications 24; an unknown attribute
          counts half its weight. <strong>High</strong>: trains on what users send by default, or a score of
          60 or more; <strong>low</strong>: under 30; <strong>medium</strong> between;{' '}
          <strong>unknown</strong>: not one attribute is sourced. Vendors change their terms: check a source
          before relying on it.
        </p>
      </details>

      {props.loading && props.services.length === 0 ? (
        <Loading />
      ) : rows.length === 0 ? (
        <div data-testid="discovery-services">
          <Empty>
            {props.services.length === 0
              ? 'No AI services found in imported logs yet.'
              : 'No service matches these filters.'}
          </Empty>
        </div>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard.
        <section className="table-wrap" tabIndex={0} aria-label="AI services table">
          <table className="table disc-services" data-testid="discovery-services">
            <caption className="sr-only">
              AI services, sorted by {filters.sort} {filters.dir === 'asc' ? 'ascending' : 'descending'}
            </caption>
            <thead>
              <tr>
                <SortHeader label="Service" k="name" filters={filters} onSort={sortBy} />
                <SortHeader label="Users" k="users" filters={filters} onSort={sortBy} numeric />
                <SortHeader label="Requests" k="requests" filters={filters} onSort={sortBy} numeric />
                <SortHeader label="Uploaded" k="bytesUp" filters={filters} onSort={sortBy} numeric />
                <SortHeader label="First / last seen" k="lastSeen" filters={filters} onSort={sortBy} />
                <th scope="col">Status</th>
                <SortHeader label="Risk" k="risk" filters={filters} onSort={sortBy} />
                {props.canWrite && <th scope="col">Set status</th>}
              </tr>
            </thead>
            <tbody>
              {shown.map(({ service, rating }) => {
                const open = filters.service === service.id;
                const detailId = `${ids}-detail-${service.id}`;
                const u = service.usage;
                return (
                  <Fragment key={service.id}>
                    <tr
                      data-testid="discovery-service-row"
                      data-service={service.id}
                      className={open ? 'disc-open' : undefined}
                    >
                      <td>
                        <button
                          type="button"
                          className="disc-toggle"
                          aria-expanded={open}
                          aria-controls={open ? detailId : undefined}
                          onClick={() => setFilters({ service: open ? '' : service.id })}
                        >
                          <span aria-hidden="true" className="disc-caret">
                            {open ? '▾' : '▸'}
                          </span>
                          <span>{service.name}</span>
                        </button>
                        <div className="small disc-sub">
                          <span className="disc-vendor">{service.vendor}</span>
                          <span className="muted"> · </span>
                          <span className="disc-category">{service.category}</span>
                          <span className="muted"> · </span>
                          <code className="muted">{service.id}</code>
                        </div>
                      </td>
                      <td className="num">{u === null ? '–' : formatCount(u.users)}</td>
                      <td className="num">{u === null ? '–' : formatCount(u.requests)}</td>
                      <td className="num" title={u === null ? undefined : `${formatCount(u.bytesUp)} bytes`}>
                        {u === null ? '–' : formatBytes(u.bytesUp)}
                      </td>
                      <td>
                        {u === null ? (
                          <span className="muted">not seen</span>
                        ) : (
                          <>
                            <div>
                              <span className="sr-only">first </span>
                              <When iso={u.firstSeen} />
                            </div>
                            <div>
                              <span className="sr-only">last </span>
                              <When iso={u.lastSeen} />
                            </div>
                          </>
                        )}
                      </td>
                      <td>
                        <StatusBadge status={service.status.status} />
                        {service.status.updatedBy !== null && (
                          <div className="muted small">by {service.status.updatedBy}</div>
                        )}
                      </td>
                      <td className="disc-risk-cell">
                        <RiskSummary risk={service.risk} rating={rating} />
                      </td>
                      {props.canWrite && (
                        <td>
                          <StatusButtons service={service} onChange={props.onChangeStatus} />
                        </td>
                      )}
                    </tr>
                    {open && (
                      <tr className="disc-detail-row" data-testid="discovery-service-detail">
                        <td colSpan={colCount} id={detailId}>
                          <ServiceDetail service={service} rating={rating} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </section>
      )}
      {rows.length > PAGE_ROWS && (
        <div className="row disc-more">
          <span className="muted small">
            Showing {formatCount(shown.length)} of {formatCount(rows.length)}.
          </span>
          <button type="button" className="btn btn-small" onClick={() => setShowAll(!showAll)}>
            {showAll ? `Show the first ${PAGE_ROWS}` : `Show all ${formatCount(rows.length)}`}
          </button>
        </div>
      )}
    </Card>
  );
}

function SortHeader(props: {
  label: string;
  k: SortKey;
  filters: Filters;
  onSort(k: SortKey): void;
  numeric?: boolean;
}) {
  const active = props.filters.sort === props.k;
  const dir = props.filters.dir;
  return (
    <th
      scope="col"
      className={props.numeric ? 'num' : undefined}
      aria-sort={active ? (dir === 'asc' ? 'ascending' : 'descending') : 'none'}
    >
      <button type="button" className="disc-sort" onClick={() => props.onSort(props.k)}>
        {props.label}
        <span aria-hidden="true" className="disc-sort-mark">
          {active ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
        </span>
        <span className="sr-only">{active ? '' : ', sort'}</span>
      </button>
    </th>
  );
}

const ACTION_LABEL: Record<ServiceStatus, string> = {
  sanctioned: 'Sanction',
  blocked: 'Block',
  unreviewed: 'Mark unreviewed',
};

function StatusButtons(props: {
  service: DiscoveredService;
  onChange(service: DiscoveredService, target: ServiceStatus): void;
}) {
  const current = props.service.status.status;
  return (
    <fieldset className="disc-actions">
      <legend className="sr-only">
        Change the status of {props.service.name} (now {current})
      </legend>
      {SERVICE_STATUSES.filter((s) => s !== current).map((s) => (
        <button
          key={s}
          type="button"
          className={`btn btn-small${s === 'blocked' ? ' disc-btn-block' : ''}`}
          data-action={s}
          onClick={() => props.onChange(props.service, s)}
        >
          {ACTION_LABEL[s]}
          <span className="sr-only">
            {s === 'unreviewed' ? ` (${props.service.name})` : ` ${props.service.name}`}
          </span>
        </button>
      ))}
    </fieldset>
  );
}

/** A source: a link when it is an http(s) URL, otherwise the document's name as text. */
function Source(props: { source: string; full?: boolean }) {
  const url = httpUrl(props.source);
  if (url === null) {
    return (
      <span className="disc-source" title={props.full ? undefined : props.source}>
        {props.full || props.source.length <= 28 ? props.source : `${props.source.slice(0, 27)}…`}
      </span>
    );
  }
  return (
    <a className="disc-source" href={url.href} target="_blank" rel="noopener noreferrer" title={url.href}>
      {props.full ? url.href : url.hostname}
    </a>
  );
}

/** A value short enough for a table cell: lists of more than two become a count (full on hover). */
function compactValue(key: RiskKey, attr: Exclude<ServiceRisk[RiskKey], 'unknown'>): string {
  if (typeof attr.value === 'boolean' || attr.value.length <= 2) return attributeValue(attr);
  return `${attr.value.length} ${key === 'data_residency' ? 'regions' : 'listed'}`;
}

function RiskSummary(props: { risk: ServiceRisk; rating: RiskRating }) {
  const { rating } = props;
  return (
    <div className="disc-risk">
      <div className="row disc-risk-head">
        <Badge value={rating.level} tone={riskTone(rating.level)} />
        <span className="small">
          score {rating.score}/100 · {rating.sourced}/4 sourced
        </span>
      </div>
      <ul className="disc-attrs small">
        {RISK_ATTRIBUTES.map((a) => {
          const attr = props.risk[a.key];
          return (
            <li key={a.key}>
              <span className="muted">{a.short}:</span>{' '}
              {attr === 'unknown' ? (
                <span className="disc-unknown">unknown</span>
              ) : (
                <>
                  <strong title={attributeValue(attr)}>{compactValue(a.key, attr)}</strong>
                  <span className="disc-attr-source">
                    <span className="muted">source: </span>
                    <Source source={attr.source} />
                  </span>
                </>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------
// One service opened: its users, domains, status and sourced risk in full.

function ServiceDetail(props: { service: DiscoveredService; rating: RiskRating }) {
  const s = props.service;
  const users = useApi<ServiceUserList>(`/discovery/services/${encodeURIComponent(s.id)}/users`, {
    limit: 1000,
  });
  const columns: Column<ServiceUser>[] = [
    { key: 'user', header: 'User', render: (r) => <Mono max={40}>{r.user}</Mono> },
    { key: 'requests', header: 'Requests', numeric: true, render: (r) => formatCount(r.requests) },
    { key: 'up', header: 'Uploaded', numeric: true, render: (r) => formatBytes(r.bytesUp) },
    { key: 'down', header: 'Downloaded', numeric: true, render: (r) => formatBytes(r.bytesDown) },
    { key: 'first', header: 'First seen', render: (r) => <When iso={r.firstSeen} /> },
    { key: 'last', header: 'Last seen', render: (r) => <When iso={r.lastSeen} /> },
    {
      key: 'hosts',
      header: 'Hosts',
      render: (r) => (
        <span className="disc-hosts">
          {r.hosts.map((h) => (
            <code key={h}>{h}</code>
          ))}
        </span>
      ),
    },
  ];
  return (
    <div className="disc-detail">
      <section aria-labelledby={`disc-users-${s.id}`}>
        <h3 id={`disc-users-${s.id}`}>Who used {s.name}</h3>
        <ErrorNotice error={users.error} onRetry={users.reload} />
        {users.loading ? (
          <Loading />
        ) : users.data !== null ? (
          <>
            <DataTable
              columns={columns}
              rows={users.data.users}
              rowKey={(r) => r.user}
              caption={`Users of ${s.name}`}
              empty="No imported log shows this service."
              testId="discovery-service-users"
            />
            {users.data.users.length >= 1000 && (
              <p className="muted small">The 1,000 users with the most requests are shown.</p>
            )}
          </>
        ) : null}
      </section>
      <section aria-labelledby={`disc-about-${s.id}`}>
        <h3 id={`disc-about-${s.id}`}>About {s.name}</h3>
        <dl className="disc-dl">
          <dt>Catalog id</dt>
          <dd>
            <code>{s.id}</code> (the app name blocking writes to <code>global.blocked_apps</code>)
          </dd>
          <dt>Domains</dt>
          <dd className="disc-hosts">
            {s.domains.map((d) => (
              <code key={d}>{d}</code>
            ))}
          </dd>
          {s.usage !== null && (
            <>
              <dt>Traffic</dt>
              <dd>
                {formatBytes(s.usage.bytesUp)} up, {formatBytes(s.usage.bytesDown)} down, over{' '}
                {formatCount(s.usage.hosts)} host{s.usage.hosts === 1 ? '' : 's'}
              </dd>
            </>
          )}
          <dt>Status</dt>
          <dd>
            <StatusBadge status={s.status.status} />{' '}
            {s.status.updatedBy === null ? (
              <span className="muted">never reviewed</span>
            ) : (
              <span>
                by {s.status.updatedBy}, <When iso={s.status.updatedAt} />
              </span>
            )}
            {s.status.note !== null && <p className="disc-note">“{s.status.note}”</p>}
          </dd>
        </dl>
        <h4>
          Risk: <Badge value={props.rating.level} tone={riskTone(props.rating.level)} />{' '}
          <span className="small">score {props.rating.score}/100</span>
        </h4>
        <div className="table-wrap">
          <table className="table disc-risk-table">
            <caption className="sr-only">Risk attributes of {s.name} with their sources</caption>
            <thead>
              <tr>
                <th scope="col">Attribute</th>
                <th scope="col">Value</th>
                <th scope="col">Source</th>
                <th scope="col">Scope</th>
              </tr>
            </thead>
            <tbody>
              {RISK_ATTRIBUTES.map((a) => {
                const attr = s.risk[a.key];
                return (
                  <tr key={a.key}>
                    <th scope="row">{a.label}</th>
                    <td>
                      {attr === 'unknown' ? (
                        <span className="disc-unknown">unknown</span>
                      ) : (
                        attributeValue(attr)
                      )}
                    </td>
                    <td>
                      {attr === 'unknown' ? (
                        <span className="muted">no source in the catalog</span>
                      ) : (
                        <Source source={attr.source} full />
                      )}
                    </td>
                    <td>{attr === 'unknown' || attr.note === undefined ? '–' : attr.note}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------
// Status change

function StatusDialog(props: {
  pending: { service: DiscoveredService; target: ServiceStatus } | null;
  onClose(): void;
  onChanged(answer: StatusChanged): void;
}) {
  const [note, setNote] = useState('');
  const noteId = useId();
  const action = useAction((id: string, status: ServiceStatus, text: string) =>
    api<StatusChanged>('PUT', `/discovery/services/${encodeURIComponent(id)}/status`, {
      body: text.trim() === '' ? { status } : { status, note: text.trim() },
    }),
  );
  const p = props.pending;
  const { clear } = action;
  // A fresh form for each service and target.
  useEffect(() => {
    if (p !== null) {
      setNote('');
      clear();
    }
  }, [p, clear]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (p === null) return;
    const answer = await action.run(p.service.id, p.target, note);
    if (answer !== undefined) props.onChanged(answer);
  };

  const name = p?.service.name ?? '';
  const from = p?.service.status.status;
  const title =
    p === null
      ? 'Change status'
      : p.target === 'blocked'
        ? `Block ${name}?`
        : p.target === 'sanctioned'
          ? `Sanction ${name}?`
          : `Mark ${name} unreviewed?`;
  return (
    <Dialog open={p !== null} title={title} onClose={props.onClose}>
      {p !== null && (
        <form onSubmit={submit} className="disc-dialog-form" data-testid="discovery-status-dialog">
          {p.target === 'blocked' ? (
            <div className="small">
              <p>Blocking {name} does two things:</p>
              <ul>
                <li>
                  It adds <code>{p.service.id}</code> to the policy’s <code>global.blocked_apps</code>:
                  requests through the gateway from an app of that name are refused (403, rule{' '}
                  <code>global.blocked_apps</code>).
                </li>
                <li>
                  It adds the service’s {p.service.domains.length} domain pattern
                  {p.service.domains.length === 1 ? '' : 's'} ({p.service.domains.slice(0, 4).join(', ')}
                  {p.service.domains.length > 4 ? ', …' : ''}) to the block list that web proxies fetch from{' '}
                  <code>GET /discovery/blocklist</code>. Browsers going straight to the service are only
                  stopped once your proxy uses that list.
                </li>
              </ul>
            </div>
          ) : from === 'blocked' ? (
            <p className="small">
              {name} is blocked now. Marking it {p.target} removes <code>{p.service.id}</code> from{' '}
              <code>global.blocked_apps</code> and its domains from the proxies’ block list.
            </p>
          ) : p.target === 'sanctioned' ? (
            <p className="small">
              Marks {name} as approved for use. It is recorded with your name and the note below.
            </p>
          ) : (
            <p className="small">Puts {name} back in the queue of services to review.</p>
          )}
          <label className="field" htmlFor={noteId}>
            <span>Note (why; shown with the status)</span>
            <textarea
              id={noteId}
              rows={3}
              maxLength={2000}
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          </label>
          <ErrorNotice error={action.error} />
          <div className="row">
            <button
              type="submit"
              className={`btn ${p.target === 'blocked' ? 'btn-danger' : 'btn-primary'}`}
              disabled={action.busy}
            >
              {action.busy
                ? 'Saving…'
                : p.target === 'blocked'
                  ? `Block ${name}`
                  : p.target === 'sanctioned'
                    ? `Sanction ${name}`
                    : 'Mark unreviewed'}
            </button>
            <button type="button" className="btn" onClick={props.onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

// ---------------------------------------------------------------------------------------------------
// People: users × services

const PEOPLE_ROWS = 200;

function PeopleCard(props: { filters: Filters; people: PeopleState }) {
  const [showAll, setShowAll] = useState(false);
  const rows = useMemo(
    () =>
      (props.people.rows ?? []).filter((r) =>
        includesText([r.user, ...r.services.flatMap((s) => [s.name, s.id])], props.filters.q),
      ),
    [props.people.rows, props.filters.q],
  );
  const columns: Column<UserRollup>[] = [
    { key: 'user', header: 'User', render: (r) => <Mono max={40}>{r.user}</Mono> },
    {
      key: 'services',
      header: 'AI services used',
      render: (r) => (
        <ul className="disc-inline-list">
          {r.services.map((s) => (
            <li key={s.id}>
              <a href={filtersHref({ ...props.filters, service: s.id })}>{s.name}</a>{' '}
              <span className="muted small">
                ({formatCount(s.requests)}
                {s.status === 'sanctioned' ? '' : `, ${s.status}`})
              </span>
            </li>
          ))}
        </ul>
      ),
    },
    {
      key: 'unsanctioned',
      header: 'Unsanctioned',
      numeric: true,
      render: (r) => formatCount(r.services.filter((s) => s.status !== 'sanctioned').length),
    },
    { key: 'requests', header: 'Requests', numeric: true, render: (r) => formatCount(r.requests) },
    { key: 'up', header: 'Uploaded', numeric: true, render: (r) => formatBytes(r.bytesUp) },
    { key: 'first', header: 'First seen', render: (r) => <When iso={r.firstSeen} /> },
    { key: 'last', header: 'Last seen', render: (r) => <When iso={r.lastSeen} /> },
  ];
  return (
    <Card
      title="People using AI services"
      actions={
        props.people.rows !== null && (
          <span className="muted small">
            {formatCount(rows.length)} of {formatCount(props.people.rows.length)}
          </span>
        )
      }
    >
      <p className="muted small disc-intro">
        Users × services from the proxy logs: a user is the log’s authenticated user, else the client address.
        Most requests first.
      </p>
      <ErrorNotice error={props.people.error} />
      {props.people.rows === null && props.people.error === null ? (
        <Loading />
      ) : (
        <DataTable
          columns={columns}
          rows={showAll ? rows : rows.slice(0, PEOPLE_ROWS)}
          rowKey={(r) => r.user}
          caption="Users and the AI services they used"
          empty={props.filters.q === '' ? 'No users in imported logs yet.' : 'No user matches the search.'}
          testId="discovery-users"
        />
      )}
      {rows.length > PEOPLE_ROWS && (
        <div className="row disc-more">
          <button type="button" className="btn btn-small" onClick={() => setShowAll(!showAll)}>
            {showAll ? `Show the first ${PEOPLE_ROWS}` : `Show all ${formatCount(rows.length)}`}
          </button>
        </div>
      )}
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------------
// Candidates

function CandidatesCard(props: {
  q: string;
  loaded: { data: { candidates: Candidate[] } | null; error: Error | null; loading: boolean; reload(): void };
}) {
  const all = props.loaded.data?.candidates ?? [];
  const rows = all.filter((c) => includesText([c.host, c.reason], props.q));
  const columns: Column<Candidate>[] = [
    { key: 'host', header: 'Host', render: (c) => <Mono max={56}>{c.host}</Mono> },
    { key: 'reason', header: 'Why it looks like AI', render: (c) => c.reason },
    { key: 'requests', header: 'Requests', numeric: true, render: (c) => formatCount(c.requests) },
    { key: 'users', header: 'Users', numeric: true, render: (c) => formatCount(c.users) },
    { key: 'up', header: 'Uploaded', numeric: true, render: (c) => formatBytes(c.bytesUp) },
    { key: 'first', header: 'First seen', render: (c) => <When iso={c.firstSeen} /> },
    { key: 'last', header: 'Last seen', render: (c) => <When iso={c.lastSeen} /> },
  ];
  return (
    <Card
      title="Candidates: AI-looking hosts not in the catalog"
      actions={
        props.loaded.data !== null && (
          <span className="muted small">
            {formatCount(rows.length)} of {formatCount(all.length)}
          </span>
        )
      }
    >
      <p className="muted small disc-intro">
        Hosts whose name suggests an AI service (an <code>.ai</code> domain, a label such as <code>gpt</code>,{' '}
        <code>llm</code> or <code>copilot</code>). They are not matched to a catalog service, so they cannot
        be blocked from here: review them, and add the real ones to the catalog or to your proxy’s rules.
      </p>
      <ErrorNotice error={props.loaded.error} onRetry={props.loaded.reload} />
      {props.loaded.loading ? (
        <Loading />
      ) : rows.length === 0 ? (
        <div data-testid="discovery-candidates">
          <Empty>
            {all.length === 0 ? 'No candidate hosts in imported logs.' : 'No candidate matches the search.'}
          </Empty>
        </div>
      ) : (
        <DataTable
          columns={columns}
          rows={rows}
          rowKey={(c) => c.host}
          caption="Candidate AI hosts not in the catalog"
          testId="discovery-candidates"
        />
      )}
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------------
// Runs

function RunsCard(props: {
  loaded: { data: { runs: DiscoveryRun[] } | null; error: Error | null; loading: boolean; reload(): void };
}) {
  const columns: Column<DiscoveryRun>[] = [
    { key: 'when', header: 'When', render: (r) => <When iso={r.startedAt} ago /> },
    {
      key: 'file',
      header: 'File · format',
      render: (r) => (
        <>
          {r.files.map((f) => (
            <div key={f}>
              <Mono max={32}>{f}</Mono>
            </div>
          ))}
          <span className="muted small">{r.format}</span>
        </>
      ),
    },
    {
      key: 'by',
      header: 'By',
      render: (r) => (
        <>
          {r.actor} <span className="muted small">({r.source === 'cli' ? 'CLI' : 'API'})</span>
        </>
      ),
    },
    { key: 'lines', header: 'Lines', numeric: true, render: (r) => formatCount(r.lines) },
    { key: 'matched', header: 'Matched', numeric: true, render: (r) => formatCount(r.matched) },
    {
      key: 'candidates',
      header: 'Candidate',
      numeric: true,
      render: (r) => formatCount(r.candidateRecords),
    },
    {
      key: 'malformed',
      header: 'Malformed',
      numeric: true,
      render: (r) => (r.malformed === 0 ? '0' : <Badge value={formatCount(r.malformed)} tone="warn" />),
    },
    { key: 'services', header: 'Services', numeric: true, render: (r) => formatCount(r.services) },
    { key: 'users', header: 'Users', numeric: true, render: (r) => formatCount(r.users) },
  ];
  return (
    <Card title="Recent imports">
      <ErrorNotice error={props.loaded.error} onRetry={props.loaded.reload} />
      {props.loaded.loading ? (
        <Loading />
      ) : (
        <DataTable
          columns={columns}
          rows={props.loaded.data?.runs ?? []}
          rowKey={(r) => r.id}
          caption="Proxy-log imports, newest first"
          empty="No imports yet."
          testId="discovery-runs"
        />
      )}
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------------
// Import

const MIB = 1024 * 1024;

const exactCount = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

function tooBig(what: string, bytes: number, format: LogFormat): string {
  return `${what} is ${formatBytes(bytes)} (${exactCount.format(bytes)} bytes); the dashboard uploads at most 1 MiB (${exactCount.format(MAX_UPLOAD_BYTES)} bytes, the admin API's body limit). For bigger logs, run \`parapet discover --format ${format} FILE\` on the gateway host: it streams files of any size, reads gzip, and its results show on this page.`;
}

function ImportCard(props: { onImported(): void }) {
  const ids = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const [format, setFormat] = useState<LogFormat>('squid');
  const [guess, setGuess] = useState<string | null>(null);
  const [store, setStore] = useState(true);
  const [problem, setProblem] = useState<string | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [reading, setReading] = useState(false);
  const action = useAction((body: { content: string; name: string; store: boolean }, fmt: LogFormat) =>
    api<ImportResult>('POST', '/discovery/import', { query: { format: fmt }, body }),
  );

  const onFile = async () => {
    setProblem(null);
    setGuess(null);
    const file = fileRef.current?.files?.[0];
    if (file === undefined) return;
    if (file.size > MAX_UPLOAD_BYTES) {
      setProblem(tooBig(file.name, file.size, format));
      return;
    }
    try {
      const head = await file.slice(0, 4096).text();
      const guessed = guessFormat(file.name, head);
      if (guessed !== null) {
        setFormat(guessed);
        setGuess(`Format set to “${guessed}” from the file’s first lines; change it if that is wrong.`);
      }
    } catch {
      // Guessing is a convenience only.
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    setResult(null);
    action.clear();
    const file = fileRef.current?.files?.[0];
    if (file === undefined) {
      setProblem('Choose a log file first.');
      fileRef.current?.focus();
      return;
    }
    if (file.size > MAX_UPLOAD_BYTES) {
      setProblem(tooBig(file.name, file.size, format));
      return;
    }
    setReading(true);
    let content: string;
    try {
      const magic = new Uint8Array(await file.slice(0, 2).arrayBuffer());
      if (magic[0] === 0x1f && magic[1] === 0x8b) {
        setProblem(
          `${file.name} is gzip-compressed. Decompress it first, or run \`parapet discover --format ${format} ${file.name}\` on the gateway host (it reads gzip).`,
        );
        return;
      }
      content = await file.text();
    } catch (err) {
      setProblem(`The browser could not read ${file.name}: ${toError(err).message}`);
      return;
    } finally {
      setReading(false);
    }
    if (content.trim() === '') {
      setProblem(`${file.name} is empty.`);
      return;
    }
    const body = { content, name: file.name.trim().slice(0, 200) || 'upload', store };
    const size = new Blob([JSON.stringify(body)]).size;
    if (size > MAX_UPLOAD_BYTES) {
      setProblem(tooBig(`The upload (${file.name} as JSON)`, size, format));
      return;
    }
    const answer = await action.run(body, format);
    if (answer !== undefined) {
      setResult(answer);
      if (answer.run !== null) props.onImported();
    }
  };

  return (
    <Card title="Import a proxy log">
      <form className="stack" onSubmit={submit} data-testid="discovery-import">
        <p className="muted small">
          Up to {MAX_UPLOAD_BYTES / MIB} MiB of text: a sample or a day of a small site. Bigger or gzip logs:{' '}
          <code>parapet discover --format squid FILE…</code> on the gateway host. See docs/discovery.md for
          the formats.
        </p>
        <label className="field" htmlFor={`${ids}-file`}>
          <span>Log file</span>
          <input id={`${ids}-file`} ref={fileRef} type="file" onChange={() => void onFile()} />
        </label>
        <label className="field" htmlFor={`${ids}-format`}>
          <span>Log format</span>
          <select
            id={`${ids}-format`}
            value={format}
            onChange={(e) => setFormat(e.target.value as LogFormat)}
          >
            {LOG_FORMATS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.value}: {f.label}
              </option>
            ))}
          </select>
        </label>
        {guess !== null && <p className="small muted">{guess}</p>}
        <label className="inline-field" htmlFor={`${ids}-store`}>
          <input
            id={`${ids}-store`}
            type="checkbox"
            checked={store}
            onChange={(e) => setStore(e.target.checked)}
          />
          <span>Store the results (unticked: preview only, nothing is saved)</span>
        </label>
        {problem !== null && (
          <div className="notice notice-error" role="alert" data-testid="discovery-import-problem">
            <span>{problem}</span>
          </div>
        )}
        <ErrorNotice error={action.error} />
        <div className="row">
          <button type="submit" className="btn btn-primary" disabled={action.busy || reading}>
            {action.busy || reading ? 'Importing…' : store ? 'Import' : 'Preview'}
          </button>
        </div>
      </form>
      {result !== null && <ImportSummary result={result} />}
    </Card>
  );
}

function ImportSummary(props: { result: ImportResult }) {
  const r = props.result;
  const sum = (k: 'lines' | 'records' | 'skipped' | 'malformed') => r.files.reduce((n, f) => n + f[k], 0);
  const malformed = sum('malformed');
  return (
    <section
      className="disc-import-result"
      aria-labelledby="disc-import-title"
      data-testid="discovery-import-result"
    >
      <h3 id="disc-import-title" role="status">
        {r.run === null ? 'Preview (not stored)' : 'Imported'}: {formatCount(r.services.length)} service
        {r.services.length === 1 ? '' : 's'}, {formatCount(r.candidates.length)} candidate
        {r.candidates.length === 1 ? '' : 's'}
      </h3>
      <dl className="disc-counts">
        <div>
          <dt>Lines</dt>
          <dd>{formatCount(sum('lines'))}</dd>
        </div>
        <div>
          <dt>Records</dt>
          <dd>{formatCount(sum('records'))}</dd>
        </div>
        <div>
          <dt>Skipped</dt>
          <dd>{formatCount(sum('skipped'))}</dd>
        </div>
        <div>
          <dt>Malformed</dt>
          <dd>{malformed === 0 ? '0' : <Badge value={formatCount(malformed)} tone="warn" />}</dd>
        </div>
        <div>
          <dt>Services found</dt>
          <dd>{formatCount(r.services.length)}</dd>
        </div>
        <div>
          <dt>Candidates</dt>
          <dd>{formatCount(r.candidates.length)}</dd>
        </div>
      </dl>
      {r.run !== null && (
        <p className="small muted">
          Stored as run <Mono>{r.run.id}</Mono>; the tables above now include it.
        </p>
      )}
      {r.files.some((f) => f.malformedSamples.length > 0) && (
        <div className="small">
          <p>Malformed lines are skipped, never fatal. The first ones:</p>
          <ul>
            {r.files.flatMap((f) =>
              f.malformedSamples.map((m) => (
                <li key={`${f.name}:${m.line}`}>
                  {f.name}, line {m.line}: {m.reason}
                </li>
              )),
            )}
          </ul>
        </div>
      )}
      {r.services.length > 0 && (
        <DataTable
          columns={[
            { key: 'name', header: 'Service', render: (s) => s.name },
            { key: 'category', header: 'Category', render: (s) => s.category },
            { key: 'users', header: 'Users', numeric: true, render: (s) => formatCount(s.users) },
            { key: 'requests', header: 'Requests', numeric: true, render: (s) => formatCount(s.requests) },
            { key: 'up', header: 'Uploaded', numeric: true, render: (s) => formatBytes(s.bytesUp) },
            { key: 'trains', header: 'Trains on data', render: (s) => s.trainsOnUserData },
          ]}
          rows={r.services}
          rowKey={(s) => s.id}
          caption="Services in this upload"
        />
      )}
      {r.candidates.length > 0 && (
        <DataTable
          columns={[
            { key: 'host', header: 'Candidate host', render: (c) => <Mono max={40}>{c.host}</Mono> },
            { key: 'reason', header: 'Why', render: (c) => c.reason },
            { key: 'requests', header: 'Requests', numeric: true, render: (c) => formatCount(c.requests) },
          ]}
          rows={r.candidates}
          rowKey={(c) => c.host}
          caption="Candidate hosts in this upload"
        />
      )}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------------
// Blocklist download: fetched (an API-token session needs its header), then saved from a Blob.

function BlocklistDownload() {
  const id = useId();
  const [style, setStyle] = useState<BlocklistStyle>('plain');
  const [message, setMessage] = useState<string | null>(null);
  const action = useAction((s: BlocklistStyle) =>
    api<string>('GET', '/discovery/blocklist', { query: { style: s } }),
  );
  const download = async () => {
    setMessage(null);
    const text = await action.run(style);
    if (text === undefined) return;
    const body = typeof text === 'string' ? text : String(text);
    const name = `parapet-blocklist-${style}.txt`;
    const url = URL.createObjectURL(new Blob([body], { type: 'text/plain;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    const entries = body.split('\n').filter((l) => l.trim() !== '').length;
    setMessage(
      entries === 0
        ? `Saved ${name}: it is empty, no service is blocked.`
        : `Saved ${name}: ${formatCount(entries)} domain entr${entries === 1 ? 'y' : 'ies'}.`,
    );
  };
  return (
    <div className="disc-blocklist">
      <div className="row">
        <label className="inline-field" htmlFor={id}>
          <span>Blocklist format</span>
          <select id={id} value={style} onChange={(e) => setStyle(e.target.value as BlocklistStyle)}>
            {BLOCKLIST_STYLES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="btn"
          onClick={() => void download()}
          disabled={action.busy}
          data-testid="discovery-blocklist"
        >
          {action.busy ? 'Downloading…' : 'Download blocklist'}
        </button>
      </div>
      <div aria-live="polite" className="small">
        {message}
      </div>
      <ErrorNotice error={action.error} />
    </div>
  );
}
