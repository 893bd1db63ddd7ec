/**
 * The approval queue: requests held by a `hold` rule, live from the server-sent events of
 * `GET /approvals/stream` (or polled every 2 s when signed in with an API token, which EventSource cannot
 * send), each with who, what model, the rule, what was found, the redacted preview and the time left;
 * approving or denying (with a reason) lets the waiting client continue or fail at once. Below, the
 * recent decisions with who decided and why.
 */
import { type FormEvent, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { ApiError, api, apiPath, apiToken, can, type Session } from '../api.ts';
import {
  Badge,
  Card,
  type Column,
  DataTable,
  Dialog,
  Empty,
  ErrorNotice,
  FamilyChip,
  Loading,
  Mono,
  Page,
} from '../components/ui.tsx';
import { formatAgo, formatTime } from '../format.ts';
import { toError, useAction, useApi } from '../hooks.ts';
import { href, type Route } from '../router.ts';
import './Approvals.css';

/** An approval as the admin API answers it. */
interface Approval {
  id: string;
  eventId: string;
  ruleId: string;
  status: 'pending' | 'approved' | 'denied' | 'expired';
  principal: { keyId: string | null; user: string | null; groups: string[]; app: string | null };
  model: string | null;
  /** Redacted summary of the request (never raw content). */
  summary: string;
  findings: unknown;
  createdAt: string;
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
}

interface ApprovalList {
  approvals: Approval[];
}

/** Polling interval when the live stream cannot be used. */
const POLL_MS = 2000;
/** Decisions listed under "Recent decisions" (the newest approvals of every status). */
const RECENT_LIMIT = 100;

type Transport = 'stream' | 'poll';
type LinkState = 'connecting' | 'live' | 'reconnecting' | 'polling';

interface Feed {
  pending: Approval[] | null;
  state: LinkState;
  /** Why the queue is polled: signed in with a token, or the stream was refused or broke. */
  pollReason: 'token' | 'stream-failed' | null;
  error: Error | null;
  /** Reads the queue again now (polling) — the stream updates itself. */
  refresh(): void;
  /** Tries the live stream again after it failed. */
  retryLive(): void;
}

/**
 * The pending approvals, live: an EventSource on the stream (it sends the session cookie), falling back
 * to polling GET /approvals when signed in with an API token or when the server refuses the stream.
 */
function useApprovalFeed(): Feed {
  const tokenSignIn = apiToken() !== null;
  const [transport, setTransport] = useState<Transport>(tokenSignIn ? 'poll' : 'stream');
  const [pollReason, setPollReason] = useState<Feed['pollReason']>(tokenSignIn ? 'token' : null);
  const [state, setState] = useState<LinkState>(tokenSignIn ? 'polling' : 'connecting');
  const [pending, setPending] = useState<Approval[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [pollTick, setPollTick] = useState(0);

  useEffect(() => {
    if (transport !== 'stream') return;
    setState('connecting');
    const source = new EventSource(apiPath('/approvals/stream'));
    source.addEventListener('approvals', (e) => {
      try {
        const body = JSON.parse((e as MessageEvent<string>).data) as ApprovalList;
        setPending(body.approvals);
        setState('live');
        setError(null);
      } catch (err) {
        setError(toError(err));
      }
    });
    source.onopen = () => setState('live');
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // Refused (signed out, no permission) or not a stream: polling shows the API's error, if any.
        source.close();
        setPollReason('stream-failed');
        setTransport('poll');
      } else setState('reconnecting');
    };
    return () => source.close();
  }, [transport]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: pollTick re-reads at once after a decision.
  useEffect(() => {
    if (transport !== 'poll') return;
    setState('polling');
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const abort = new AbortController();
    const poll = async () => {
      try {
        const list = await api<ApprovalList>('GET', '/approvals', { signal: abort.signal });
        if (stopped) return;
        setPending(list.approvals);
        setError(null);
      } catch (err) {
        if (stopped) return;
        setError(toError(err));
      }
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
    };
  }, [transport, pollTick]);

  const refresh = useCallback(() => setPollTick((t) => t + 1), []);
  const retryLive = useCallback(() => {
    setPollReason(null);
    setTransport('stream');
  }, []);
  return { pending, state, pollReason, error, refresh, retryLive };
}

/** The current time, every `ms` (countdowns). */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** `{family: [types…]}` from an approval's findings (`[{family, type, score}]`), tolerant of other shapes. */
function foundOf(findings: unknown): [family: string, types: string[]][] {
  if (!Array.isArray(findings)) return [];
  const byFamily = new Map<string, Set<string>>();
  for (const f of findings) {
    if (typeof f !== 'object' || f === null) continue;
    const { family, type } = f as { family?: unknown; type?: unknown };
    if (typeof family !== 'string') continue;
    const types = byFamily.get(family) ?? new Set<string>();
    if (typeof type === 'string' && type !== '') types.add(type);
    byFamily.set(family, types);
  }
  return [...byFamily].map(([family, types]) => [family, [...types].sort()]);
}

/** "4:05" or "1 h 12 min" left; null when the time has passed. */
function timeLeft(expiresAt: string, now: number): string | null {
  const ms = new Date(expiresAt).getTime() - now;
  if (Number.isNaN(ms)) return expiresAt;
  if (ms <= 0) return null;
  const s = Math.floor(ms / 1000);
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** "12 s ago"; a time a little ahead of this browser's clock (server skew) is "just now". */
function ago(iso: string, now: number): string {
  const t = new Date(iso).getTime();
  if (!Number.isNaN(t) && t > now && t - now < 60_000) return 'just now';
  return formatAgo(iso, now);
}

function who(a: Approval): string {
  const user = a.principal.user ?? 'unknown user';
  return a.principal.app === null ? user : `${user} · ${a.principal.app}`;
}

function matches(a: Approval, q: string): boolean {
  if (q === '') return true;
  const found = foundOf(a.findings).flatMap(([f, types]) => [f, ...types]);
  const haystack = [
    a.id,
    a.eventId,
    a.ruleId,
    a.principal.user,
    a.principal.app,
    a.principal.keyId,
    ...a.principal.groups,
    a.model,
    a.summary,
    a.decidedBy,
    a.reason,
    ...found,
  ];
  return haystack.some((v) => v?.toLowerCase().includes(q) === true);
}

type Decision = 'approve' | 'deny';

export function ApprovalsPage(props: { session: Session; route: Route }) {
  const mayDecide = can(props.session, 'approvals.decide');
  const feed = useApprovalFeed();
  const recent = useApi<ApprovalList>('/approvals', { status: 'all', limit: RECENT_LIMIT });
  const now = useNow(1000);
  const [filter, setFilter] = useState('');
  const [deciding, setDeciding] = useState<{ approval: Approval; decision: Decision } | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  /** Decided here: hidden at once, before the next snapshot leaves them out. */
  const [decidedHere, setDecidedHere] = useState<ReadonlySet<string>>(() => new Set());
  const outcomeRef = useRef<HTMLParagraphElement>(null);
  const filterId = useId();

  // A change of the pending set (a decision here or elsewhere, an expiry) shows up in the recent list.
  const pendingKey = feed.pending?.map((a) => a.id).join(',') ?? null;
  const reloadRecent = recent.reload;
  const seenKey = useRef<string | null>(null);
  useEffect(() => {
    if (pendingKey === null) return;
    if (seenKey.current !== null && seenKey.current !== pendingKey) reloadRecent();
    seenKey.current = pendingKey;
  }, [pendingKey, reloadRecent]);

  // Back from a cut: what was decided meanwhile.
  const lastState = useRef(feed.state);
  useEffect(() => {
    if (lastState.current === 'reconnecting' && feed.state === 'live') reloadRecent();
    lastState.current = feed.state;
  }, [feed.state, reloadRecent]);

  const q = filter.trim().toLowerCase();
  const pending = useMemo(
    () =>
      (feed.pending ?? [])
        .filter((a) => !decidedHere.has(a.id) && matches(a, q))
        // Most urgent first: the one that expires soonest.
        .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt)),
    [feed.pending, decidedHere, q],
  );
  const total = (feed.pending ?? []).filter((a) => !decidedHere.has(a.id)).length;
  const decided = useMemo(
    () => (recent.data?.approvals ?? []).filter((a) => a.status !== 'pending' && matches(a, q)),
    [recent.data, q],
  );

  const onDecided = (a: Approval, d: Decision, answer: Approval) => {
    setDecidedHere((s) => new Set(s).add(a.id));
    setDeciding(null);
    setOutcome(
      d === 'approve'
        ? `Approved the request of ${who(a)}: it proceeds to ${a.model ?? 'the model'} now.`
        : `Denied the request of ${who(a)}: the client got PARAPET_POLICY_HOLD_DENIED${answer.reason === null ? '' : ` with “${answer.reason}”`}.`,
    );
    feed.refresh();
    reloadRecent();
  };
  // The decided row and its buttons are gone: keep the keyboard on the page, at the outcome. (Runs after
  // the dialog's own effect has closed it, which would otherwise send focus to the removed button.)
  useEffect(() => {
    if (outcome !== null) outcomeRef.current?.focus();
  }, [outcome]);

  return (
    <Page
      title="Approvals"
      subtitle="Requests held by a hold rule wait here for a reviewer; the client continues or fails as soon as you decide."
      actions={
        <label className="inline-field" htmlFor={filterId}>
          <span>Filter</span>
          <input
            id={filterId}
            type="search"
            data-search
            placeholder="user, app, model, rule…"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
        </label>
      }
    >
      <ConnectionStatus feed={feed} pendingCount={feed.pending === null ? null : total} />
      <ErrorNotice error={feed.error} onRetry={feed.state === 'polling' ? feed.refresh : undefined} />
      {!mayDecide && (
        <div className="notice notice-info" data-testid="approvals-read-only">
          <span>
            Your role (<strong>{props.session.role}</strong>) can watch the queue but not decide: that needs
            the permission <code>approvals.decide</code> (reviewer or admin).
          </span>
        </div>
      )}
      <p ref={outcomeRef} tabIndex={-1} className="approvals-outcome" role="status" aria-live="polite">
        {outcome !== null && (
          <span className="notice notice-info" data-testid="approval-outcome">
            {outcome}
          </span>
        )}
      </p>

      <Card
        title={feed.pending === null ? 'Pending' : `Pending (${total})`}
        actions={<span className="muted small">Most urgent first</span>}
      >
        {feed.pending === null ? (
          feed.error === null ? (
            <Loading label="Loading the queue…" />
          ) : null
        ) : pending.length === 0 ? (
          <Empty>
            {total === 0
              ? 'No request is waiting for a decision. Held requests appear here as they arrive.'
              : 'No pending request matches the filter.'}
          </Empty>
        ) : (
          <ul className="approval-list" data-testid="approval-queue">
            {pending.map((a) => (
              <PendingItem
                key={a.id}
                approval={a}
                now={now}
                mayDecide={mayDecide}
                onDecide={(decision) => {
                  setOutcome(null);
                  setDeciding({ approval: a, decision });
                }}
              />
            ))}
          </ul>
        )}
      </Card>

      <RecentDecisions
        rows={decided}
        loaded={recent.data !== null}
        error={recent.error}
        onRetry={recent.reload}
        now={now}
      />

      <DecisionDialog
        deciding={deciding}
        onClose={() => setDeciding(null)}
        onDecided={onDecided}
        onGone={() => {
          feed.refresh();
          reloadRecent();
        }}
      />
    </Page>
  );
}

function ConnectionStatus(props: { feed: Feed; pendingCount: number | null }) {
  const { state, pollReason } = props.feed;
  const label = {
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    polling: 'Polling',
  }[state];
  const tone = { connecting: 'neutral', live: 'good', reconnecting: 'warn', polling: 'info' } as const;
  const detail = {
    connecting: 'opening the live stream of the queue',
    live: 'the queue updates as requests are held and decided',
    reconnecting: 'the live stream was cut; trying again (the queue below may be out of date)',
    polling: `the queue is read every ${POLL_MS / 1000} s`,
  }[state];
  return (
    <div className="approvals-connection">
      <p role="status" aria-live="polite" data-testid="approvals-connection" data-state={state}>
        <Badge value={label} tone={tone[state]} /> <span className="muted small">{detail}</span>
        {props.pendingCount !== null && (
          <span className="sr-only">
            {`, ${props.pendingCount} pending ${props.pendingCount === 1 ? 'request' : 'requests'}`}
          </span>
        )}
      </p>
      {pollReason === 'token' && (
        <p className="muted small" data-testid="approvals-polling-note">
          Signed in with an API token: a browser's live stream (EventSource) cannot send it, so the queue is
          polled every {POLL_MS / 1000} s instead. Sign in with an account for live updates.
        </p>
      )}
      {pollReason === 'stream-failed' && (
        <p className="muted small" data-testid="approvals-polling-note">
          The live stream was refused or is not available here, so the queue is polled every {POLL_MS / 1000}{' '}
          s.{' '}
          <button type="button" className="btn btn-small" onClick={props.feed.retryLive}>
            Try live updates again
          </button>
        </p>
      )}
    </div>
  );
}

function PendingItem(props: {
  approval: Approval;
  now: number;
  mayDecide: boolean;
  onDecide(decision: Decision): void;
}) {
  const a = props.approval;
  const titleId = useId();
  const left = timeLeft(a.expiresAt, props.now);
  const soon = left !== null && new Date(a.expiresAt).getTime() - props.now < 60_000;
  const found = foundOf(a.findings);
  return (
    <li className="approval" data-testid="approval-row" data-approval-id={a.id} aria-labelledby={titleId}>
      <div className="approval-head">
        <h3 id={titleId}>
          {a.principal.user ?? 'Unknown user'}
          {a.principal.app !== null && <span className="muted"> · {a.principal.app}</span>}
          <span className="muted"> → {a.model ?? 'unknown model'}</span>
        </h3>
        <span className="approval-expiry" data-testid="approval-expiry">
          {left === null ? (
            <Badge value="expired: closing" tone="neutral" />
          ) : (
            <>
              <span className="muted small">Expires in </span>
              <Badge value={left} tone={soon ? 'bad' : 'warn'} />
            </>
          )}
        </span>
      </div>
      <dl className="approval-facts">
        <div>
          <dt>Held</dt>
          <dd>
            <time dateTime={a.createdAt} title={formatTime(a.createdAt)}>
              {ago(a.createdAt, props.now)}
            </time>
          </dd>
        </div>
        <div>
          <dt>Groups</dt>
          <dd>
            {a.principal.groups.length === 0 ? (
              <span className="muted">none</span>
            ) : (
              a.principal.groups.join(', ')
            )}
          </dd>
        </div>
        <div>
          <dt>Virtual key</dt>
          <dd>
            {a.principal.keyId === null ? (
              <span className="muted">none</span>
            ) : (
              <Mono>{a.principal.keyId}</Mono>
            )}
          </dd>
        </div>
        <div>
          <dt>Held by rule</dt>
          <dd>
            <Mono>{a.ruleId}</Mono>
          </dd>
        </div>
        <div>
          <dt>What was found</dt>
          <dd>
            {found.length === 0 ? (
              <span className="muted">nothing detected (the rule's other conditions held it)</span>
            ) : (
              found.map(([family, types]) => (
                <FamilyChip key={family} family={family}>
                  {types.length === 0 ? family : `${family}: ${types.join(', ')}`}
                </FamilyChip>
              ))
            )}
          </dd>
        </div>
      </dl>
      {a.summary !== '' && (
        <figure className="approval-preview">
          <figcaption className="muted small">Request preview (redacted)</figcaption>
          <pre className="content">{a.summary}</pre>
        </figure>
      )}
      <div className="approval-foot">
        <p className="muted small">
          {a.eventId !== '' && (
            <>
              Event{' '}
              <a href={href(['events', a.eventId])}>
                <Mono max={36}>{a.eventId}</Mono>
              </a>{' '}
              (recorded once the request finishes) ·{' '}
            </>
          )}
          Approval <Mono max={40}>{a.id}</Mono>
        </p>
        {props.mayDecide && (
          <div className="row">
            <button type="button" className="btn btn-primary" onClick={() => props.onDecide('approve')}>
              Approve
            </button>
            <button type="button" className="btn btn-danger" onClick={() => props.onDecide('deny')}>
              Deny
            </button>
          </div>
        )}
      </div>
    </li>
  );
}

function DecisionDialog(props: {
  deciding: { approval: Approval; decision: Decision } | null;
  onClose(): void;
  onDecided(a: Approval, d: Decision, answer: Approval): void;
  /** The approval was decided elsewhere or is gone: refresh the lists. */
  onGone(): void;
}) {
  const [reason, setReason] = useState('');
  const reasonId = useId();
  const hintId = useId();
  const action = useAction(async (id: string, d: Decision, text: string) => {
    try {
      return await api<Approval>('POST', `/approvals/${encodeURIComponent(id)}/${d}`, {
        body: text === '' ? {} : { reason: text },
      });
    } catch (err) {
      // Decided by someone else, expired or gone: the lists are out of date.
      if (err instanceof ApiError && (err.code === 'PARAPET_ADMIN_CONFLICT' || err.status === 404)) {
        props.onGone();
      }
      throw err;
    }
  });
  const { clear } = action;
  const current = props.deciding;
  const key = current === null ? null : `${current.approval.id}:${current.decision}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new decision starts with a blank form.
  useEffect(() => {
    setReason('');
    clear();
  }, [key, clear]);

  const deny = current?.decision === 'deny';
  const trimmed = reason.trim();
  // Decided by someone else, expired or gone: nothing left to confirm.
  const settled =
    action.error instanceof ApiError &&
    (action.error.code === 'PARAPET_ADMIN_CONFLICT' || action.error.status === 404);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (current === null || (deny && trimmed === '')) return;
    const answer = await action.run(current.approval.id, current.decision, trimmed);
    if (answer !== undefined) props.onDecided(current.approval, current.decision, answer);
  };

  const a = current?.approval;
  return (
    <Dialog
      open={current !== null}
      title={deny ? 'Deny the held request' : 'Approve the held request'}
      onClose={props.onClose}
    >
      {a !== undefined && (
        <form className="approval-dialog-form" onSubmit={submit} noValidate>
          <p>
            <strong>{who(a)}</strong> → {a.model ?? 'unknown model'}, held by rule <Mono>{a.ruleId}</Mono>.{' '}
            {deny
              ? 'The waiting client gets 403 PARAPET_POLICY_HOLD_DENIED with your reason.'
              : 'The request goes to the model at once and the client gets its answer.'}
          </p>
          <label className="field" htmlFor={reasonId}>
            <span>{deny ? 'Reason (required; the client sees it)' : 'Reason (optional; recorded)'}</span>
            <textarea
              id={reasonId}
              rows={3}
              maxLength={2000}
              required={deny}
              aria-describedby={hintId}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </label>
          <p id={hintId} className="muted small">
            Recorded with your name on the approval and in the held request's event.
          </p>
          <ErrorNotice error={action.error} />
          <div className="row approval-dialog-actions">
            <button type="button" className="btn" onClick={props.onClose}>
              {settled ? 'Close' : 'Cancel'}
            </button>
            <button
              type="submit"
              className={deny ? 'btn btn-danger' : 'btn btn-primary'}
              data-testid="approval-confirm"
              disabled={action.busy || settled || (deny && trimmed === '')}
            >
              {action.busy ? 'Sending…' : deny ? 'Deny request' : 'Approve request'}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

function RecentDecisions(props: {
  rows: readonly Approval[];
  loaded: boolean;
  error: Error | null;
  onRetry(): void;
  now: number;
}) {
  const columns: Column<Approval>[] = [
    {
      key: 'decided',
      header: 'Decided',
      render: (a) => {
        const at = a.decidedAt ?? a.expiresAt;
        return (
          <time dateTime={at} title={formatTime(at)}>
            {ago(at, props.now)}
          </time>
        );
      },
    },
    { key: 'status', header: 'Outcome', render: (a) => <Badge value={a.status} /> },
    {
      key: 'by',
      header: 'Decided by',
      render: (a) =>
        a.decidedBy === null ? (
          <span className="muted">–</span>
        ) : a.status === 'expired' ? (
          <span className="muted">{a.decidedBy === 'timeout' ? 'nobody (timed out)' : a.decidedBy}</span>
        ) : (
          a.decidedBy
        ),
    },
    {
      key: 'reason',
      header: 'Reason',
      className: 'approval-reason',
      render: (a) => a.reason ?? <span className="muted">none given</span>,
    },
    { key: 'who', header: 'Request by', render: (a) => who(a) },
    { key: 'model', header: 'Model', render: (a) => a.model ?? <span className="muted">–</span> },
    { key: 'rule', header: 'Rule', render: (a) => <Mono max={32}>{a.ruleId}</Mono> },
    {
      key: 'event',
      header: 'Event',
      render: (a) =>
        a.eventId === '' ? (
          <span className="muted">–</span>
        ) : (
          <a href={href(['events', a.eventId])}>
            <Mono max={20}>{a.eventId}</Mono>
          </a>
        ),
    },
  ];
  return (
    <Card title="Recent decisions">
      <ErrorNotice error={props.error} onRetry={props.onRetry} />
      {!props.loaded ? (
        props.error === null ? (
          <Loading label="Loading decisions…" />
        ) : null
      ) : (
        <DataTable
          columns={columns}
          rows={props.rows}
          rowKey={(a) => a.id}
          caption="Recent decisions on held requests, newest first"
          empty="No decision yet."
          testId="recent-decisions"
          rowTestId="decision-row"
        />
      )}
    </Card>
  );
}
