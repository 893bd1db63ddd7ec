/**
 * Run-time settings: the kill switch, the global block lists (the `global` section, replaced at run
 * time through `PUT /global`), the SIEM sink and its export status, and the admin audit trail.
 */
import { type FormEvent, type KeyboardEvent, useEffect, useId, useMemo, useState } from 'react';
import { api, can, type Session } from '../api.ts';
import { ConfirmDialog, FormFooter, IssueList, ReadOnlyNote } from '../components/admin-parts.tsx';
import {
  Badge,
  Card,
  type Column,
  DataTable,
  ErrorNotice,
  Loading,
  Mono,
  Page,
  WINDOWS,
} from '../components/ui.tsx';
import { formatAgo, formatCount, formatTime } from '../format.ts';
import { useAction, useApi, useDebounced } from '../hooks.ts';
import type { Route } from '../router.ts';
import {
  AUDIT_ACTIONS,
  type AuditEntry,
  type AuditPage,
  BLOCK_LISTS,
  type BlockListName,
  compactDetails,
  compactRecord,
  formatDuration,
  type GlobalChanged,
  type GlobalState,
  issuesOf,
  type KeyList,
  type PolicyIssue,
  type PutSiemRequest,
  type SiemContent,
  type SiemStart,
  type SiemView,
} from './admin-types.ts';
import './Settings.css';

export function SettingsPage(props: { session: Session; route: Route }) {
  const writable = can(props.session, 'settings.write');
  const global = useApi<GlobalState>('/global');
  /** Bumped after every change made here, so the audit trail shows it. */
  const [changes, setChanges] = useState(0);
  const changed = () => setChanges((n) => n + 1);
  return (
    <Page
      title="Settings"
      subtitle="Run-time controls that apply on every gateway without a restart, and the record of every admin action."
    >
      {!writable && (
        <ReadOnlyNote
          session={props.session}
          permission="settings.write"
          what="turn the kill switch on or off, or change block lists and the SIEM sink"
        />
      )}
      <KillSwitch state={global} writable={writable} onChanged={changed} />
      <BlockLists state={global} writable={writable} session={props.session} onChanged={changed} />
      <SiemCard writable={writable} onChanged={changed} />
      {can(props.session, 'audit.read') ? (
        <AuditTrail route={props.route} changes={changes} />
      ) : (
        <Card title="Audit trail">
          <p className="muted small">
            Your role (<strong>{props.session.role}</strong>) cannot read the audit trail (it needs{' '}
            <code>audit.read</code>: admin and auditor).
          </p>
        </Card>
      )}
    </Page>
  );
}

interface Loaded<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  reload(): void;
}

/** Where the global section in force comes from, in words. */
function SourceLine(props: { state: GlobalState }) {
  const s = props.state;
  if (s.source === 'setting' && s.setting !== null) {
    return (
      <>
        Run-time setting, revision {s.setting.revision}, last changed by{' '}
        <strong>{s.setting.updatedBy}</strong>{' '}
        <span title={formatTime(s.setting.updatedAt)}>{formatAgo(s.setting.updatedAt)}</span> (it replaces the
        active policy's <code>global</code> section).
      </>
    );
  }
  return (
    <>
      Configuration: the active policy
      {s.policyVersion === null ? ' of the config file' : ` version ${s.policyVersion}`} (never changed at run
      time).
    </>
  );
}

// ---------------------------------------------------------------------------------------------------
// Kill switch

function KillSwitch(props: { state: Loaded<GlobalState>; writable: boolean; onChanged(): void }) {
  const titleId = useId();
  const [dialog, setDialog] = useState<'on' | 'off' | null>(null);
  const [message, setMessage] = useState('');
  const [understood, setUnderstood] = useState(false);
  const s = props.state.data;
  const on = s?.global.block_all === true;

  const toggle = useAction(async (next: boolean) => {
    const body: { on: boolean; message?: string } = { on: next };
    if (next && message.trim() !== '') body.message = message.trim();
    await api<GlobalChanged>('POST', '/kill-switch', { body });
    setDialog(null);
    props.state.reload();
    props.onChanged();
  });

  const open = (which: 'on' | 'off') => {
    toggle.clear();
    setMessage(s?.global.message ?? '');
    setUnderstood(false);
    setDialog(which);
  };

  return (
    <section
      className={`card adm-kill ${on ? 'adm-kill-on' : 'adm-kill-off'}`}
      data-testid="kill-switch"
      aria-labelledby={titleId}
    >
      <div className="adm-kill-main">
        <div>
          <h2 id={titleId}>Kill switch</h2>
          {s === null ? (
            props.state.loading ? (
              <Loading />
            ) : null
          ) : (
            <p className="adm-kill-state" data-testid="kill-switch-state">
              <span className="adm-kill-word">{on ? 'ON' : 'OFF'}</span>{' '}
              <Badge
                value={on ? 'every request is blocked' : 'requests flow normally'}
                tone={on ? 'bad' : 'good'}
              />
            </p>
          )}
        </div>
        {props.writable && s !== null && (
          <div>
            {on ? (
              <button type="button" className="btn btn-primary adm-kill-btn" onClick={() => open('off')}>
                Turn the kill switch OFF
              </button>
            ) : (
              <button type="button" className="btn btn-danger adm-kill-btn" onClick={() => open('on')}>
                Turn the kill switch ON
              </button>
            )}
          </div>
        )}
      </div>
      <ErrorNotice error={props.state.error} onRetry={props.state.reload} />
      {s !== null && (
        <div className="small">
          <p>
            When ON, the gateway refuses every request to every model at once, before any rule is evaluated
            (other gateways follow within their policy refresh time).
          </p>
          {s.global.message !== undefined && (
            <p>
              Callers are told: <q className="adm-quote">{s.global.message}</q>
            </p>
          )}
          <p className="muted">
            Source: <SourceLine state={s} />
          </p>
        </div>
      )}

      <ConfirmDialog
        open={dialog === 'on'}
        title="Turn the kill switch ON?"
        confirmLabel="Block every request now"
        danger
        ready={understood}
        busy={toggle.busy}
        error={toggle.error}
        onConfirm={() => void toggle.run(true)}
        onClose={() => setDialog(null)}
      >
        <p className="notice notice-error adm-text">
          <strong>Every request through the gateway is blocked at once</strong>, for every user, app and
          model, until someone turns the switch off. Requests in flight finish.
        </p>
        <label className="field">
          <span>Message shown to blocked callers (optional; empty keeps the current one)</span>
          <textarea
            rows={3}
            maxLength={2000}
            value={message}
            placeholder="AI access is paused by security while we investigate an incident."
            onChange={(e) => setMessage(e.target.value)}
          />
        </label>
        <label className="adm-check">
          <input type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} /> I
          understand this blocks all AI traffic now
        </label>
        <p className="small muted">The change is recorded in the audit trail with your name.</p>
      </ConfirmDialog>

      <ConfirmDialog
        open={dialog === 'off'}
        title="Turn the kill switch OFF?"
        confirmLabel="Let requests through"
        busy={toggle.busy}
        error={toggle.error}
        onConfirm={() => void toggle.run(false)}
        onClose={() => setDialog(null)}
      >
        <p>
          Requests flow again at once, subject to the block lists and the active policy. The change is
          recorded in the audit trail.
        </p>
      </ConfirmDialog>
    </section>
  );
}

// ---------------------------------------------------------------------------------------------------
// Block lists

type Lists = Record<BlockListName, string[]>;

function listsOf(state: GlobalState): Lists {
  const g = state.global;
  return {
    blocked_users: [...g.blocked_users],
    blocked_groups: [...g.blocked_groups],
    blocked_apps: [...g.blocked_apps],
    blocked_models: [...g.blocked_models],
    blocked_providers: [...g.blocked_providers],
    blocked_keys: [...g.blocked_keys],
  };
}

function listLabel(name: string | number | undefined): string {
  return BLOCK_LISTS.find((l) => l.name === name)?.label ?? String(name ?? '');
}

function BlockLists(props: {
  state: Loaded<GlobalState>;
  writable: boolean;
  session: Session;
  onChanged(): void;
}) {
  const [draft, setDraft] = useState<Lists | null>(null);
  const [warnings, setWarnings] = useState<PolicyIssue[]>([]);
  const [saved, setSaved] = useState<{ revision: number; text: string } | null>(null);
  const s = props.state.data;
  const suggest = useApi<KeyList>(draft !== null && can(props.session, 'keys.read') ? '/keys' : null);

  const save = useAction(async (lists: Lists) => {
    if (s === null) return;
    // PUT replaces the whole section: keep the kill switch and its message as they are.
    const body = {
      block_all: s.global.block_all,
      ...(s.global.message === undefined ? {} : { message: s.global.message }),
      ...lists,
    };
    const answer = await api<GlobalChanged>('PUT', '/global', { body });
    setWarnings(answer.warnings);
    setDraft(null);
    props.onChanged();
    setSaved({
      revision: answer.setting?.revision ?? -1,
      text: `Saved as revision ${answer.setting?.revision ?? '?'}; in force now.`,
    });
    props.state.reload();
  });

  const suggestions = useMemo(() => {
    const out: Partial<Record<BlockListName, string[]>> = {};
    const keys = suggest.data?.keys ?? [];
    const uniq = (values: (string | null)[]) =>
      [...new Set(values.filter((v): v is string => v !== null))].sort();
    out.blocked_users = uniq(keys.map((k) => k.user));
    out.blocked_apps = uniq(keys.map((k) => k.app));
    out.blocked_groups = uniq(keys.flatMap((k) => k.groups));
    out.blocked_keys = keys.filter((k) => k.status === 'ok').map((k) => k.id);
    return out;
  }, [suggest.data]);

  const errors = issuesOf(save.error);
  const bad = (list: BlockListName, index: number) =>
    errors.find((i) => i.path[0] === list && i.path[1] === index);
  const total = s === null ? 0 : BLOCK_LISTS.reduce((n, l) => n + s.global[l.name].length, 0);

  return (
    <Card
      title="Block lists"
      actions={
        props.writable && s !== null && draft === null ? (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              save.clear();
              setSaved(null);
              setWarnings([]);
              setDraft(listsOf(s));
            }}
          >
            Edit block lists
          </button>
        ) : undefined
      }
    >
      <p className="small muted">
        Checked before every rule: a request from a blocked user, group, app or key, or to a blocked model or
        provider, is refused.
      </p>
      <ErrorNotice error={props.state.error} onRetry={props.state.reload} />
      {props.state.loading && s === null && <Loading />}
      {s !== null && (
        <>
          <p className="small" data-testid="block-lists-source">
            <strong>Source:</strong> <SourceLine state={s} />
          </p>
          {saved !== null && saved.revision === s.setting?.revision && (
            <p className="notice notice-info small" role="status">
              {saved.text}
            </p>
          )}
          {warnings.length > 0 && saved !== null && saved.revision === s.setting?.revision && (
            <ul className="notice notice-warn small adm-issues">
              {warnings.map((w) => (
                <li key={`${w.path.join('.')}:${w.message}`}>
                  {listLabel(w.path[0])}: {w.message}
                  {w.suggestion !== undefined && ` (${w.suggestion})`}
                </li>
              ))}
            </ul>
          )}
          {draft === null ? (
            <>
              {total === 0 && <p className="muted">Nothing is blocked.</p>}
              <dl className="adm-lists">
                {BLOCK_LISTS.map((l) => (
                  <div key={l.name} className="adm-list-row">
                    <dt>
                      {l.label} <span className="muted small">({s.global[l.name].length})</span>
                    </dt>
                    <dd>
                      {s.global[l.name].length === 0 ? (
                        <span className="muted small">none</span>
                      ) : (
                        <ul className="adm-chips">
                          {s.global[l.name].map((v) => (
                            <li key={v} className="adm-chip">
                              {v}
                            </li>
                          ))}
                        </ul>
                      )}
                    </dd>
                  </div>
                ))}
              </dl>
            </>
          ) : (
            <form
              className="adm-form"
              onSubmit={(e) => {
                e.preventDefault();
                void save.run(draft);
              }}
            >
              <div className="adm-list-grid">
                {BLOCK_LISTS.map((l) => (
                  <ListEditor
                    key={l.name}
                    label={l.label}
                    hint={l.hint}
                    values={draft[l.name]}
                    suggestions={suggestions[l.name] ?? []}
                    problem={(i) => bad(l.name, i)?.message ?? null}
                    onChange={(values) => setDraft({ ...draft, [l.name]: values })}
                  />
                ))}
              </div>
              <ErrorNotice error={save.error} />
              <IssueList
                error={save.error}
                label={(path) => {
                  const list = path[0];
                  const i = path[1];
                  const value =
                    typeof i === 'number' && typeof list === 'string'
                      ? draft[list as BlockListName]?.[i]
                      : undefined;
                  return `${listLabel(list)}${value === undefined ? '' : `: ${value}`}`;
                }}
              />
              <div className="row">
                <button type="submit" className="btn btn-primary" disabled={save.busy}>
                  {save.busy ? 'Saving…' : 'Save block lists'}
                </button>
                <button type="button" className="btn" onClick={() => setDraft(null)}>
                  Discard changes
                </button>
                <span className="small muted">
                  Names are checked against this deployment; saving writes a run-time setting that applies at
                  once.
                </span>
              </div>
            </form>
          )}
        </>
      )}
    </Card>
  );
}

function ListEditor(props: {
  label: string;
  hint: string;
  values: string[];
  suggestions: string[];
  problem(index: number): string | null;
  onChange(values: string[]): void;
}) {
  const id = useId();
  const [text, setText] = useState('');
  const add = () => {
    const more = text
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '' && !props.values.includes(v));
    if (more.length > 0) props.onChange([...props.values, ...new Set(more)]);
    setText('');
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      add();
    }
  };
  return (
    <fieldset className="adm-list-edit">
      <legend>
        Blocked {props.label.toLowerCase()} <span className="small muted">({props.hint})</span>
      </legend>
      {props.values.length === 0 ? (
        <p className="small muted">none</p>
      ) : (
        <ul className="adm-chips">
          {props.values.map((v, i) => {
            const problem = props.problem(i);
            return (
              <li key={v} className={problem === null ? 'adm-chip' : 'adm-chip adm-chip-bad'}>
                {v}
                {problem !== null && <span className="adm-chip-problem"> ({problem})</span>}
                <button
                  type="button"
                  className="adm-chip-remove"
                  aria-label={`Remove ${v} from blocked ${props.label.toLowerCase()}`}
                  onClick={() => props.onChange(props.values.filter((x) => x !== v))}
                >
                  ×
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <div className="row">
        <label className="sr-only" htmlFor={`${id}-add`}>
          Add blocked {props.label.toLowerCase()}
        </label>
        <input
          id={`${id}-add`}
          value={text}
          list={props.suggestions.length > 0 ? `${id}-list` : undefined}
          placeholder={`Add ${props.label.toLowerCase()} (comma-separated)`}
          autoComplete="off"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKey}
        />
        <button type="button" className="btn btn-small" onClick={add} disabled={text.trim() === ''}>
          Add
        </button>
      </div>
      {props.suggestions.length > 0 && (
        <datalist id={`${id}-list`}>
          {props.suggestions.map((v) => (
            <option key={v} value={v} />
          ))}
        </datalist>
      )}
    </fieldset>
  );
}

// ---------------------------------------------------------------------------------------------------
// SIEM sink

function SiemCard(props: { writable: boolean; onChanged(): void }) {
  const siem = useApi<SiemView>('/siem');
  const [editing, setEditing] = useState(false);
  const v = siem.data;
  const st = v?.status;

  return (
    <Card
      title="SIEM export"
      actions={
        props.writable && v !== null && !editing ? (
          <button type="button" className="btn btn-small" onClick={() => setEditing(true)}>
            Edit SIEM settings
          </button>
        ) : undefined
      }
    >
      <p className="small muted">
        Events are POSTed in signed batches (HMAC) to your SIEM's HTTP collector, in order, at least once.
      </p>
      <ErrorNotice error={siem.error} onRetry={siem.reload} />
      {siem.loading && v === null && <Loading />}
      {v !== null && st !== undefined && (
        <>
          <p className="row" data-testid="siem-state">
            <Badge
              value={v.settings.enabled ? 'enabled' : 'disabled'}
              tone={v.settings.enabled ? 'good' : 'neutral'}
            />
            {st.failures > 0 && <Badge value={`${st.failures} failed round(s) in a row`} tone="bad" />}
            <span className="small muted">
              Source:{' '}
              {v.source === 'setting' && v.setting !== null ? (
                <>
                  run-time setting, revision {v.setting.revision}, changed by {v.setting.updatedBy}{' '}
                  <span title={formatTime(v.setting.updatedAt)}>{formatAgo(v.setting.updatedAt)}</span>
                </>
              ) : (
                <>
                  the <code>siem</code> section of the config file
                </>
              )}
            </span>
          </p>
          {v.problem !== null && (
            <p className="notice notice-warn adm-text" role="alert">
              <strong>The sink cannot run:</strong> {v.problem}
            </p>
          )}
          <div className="grid-2">
            <div>
              <h3 className="adm-h3">Settings</h3>
              <dl className="adm-dl">
                <dt>Endpoint</dt>
                <dd>
                  {v.settings.url === null ? (
                    <span className="muted">not set</span>
                  ) : (
                    <Mono max={80}>{v.settings.url}</Mono>
                  )}
                </dd>
                <dt>Signing secret</dt>
                <dd>
                  <Badge
                    value={v.settings.secretSet ? 'set' : 'not set'}
                    tone={v.settings.secretSet ? 'good' : 'warn'}
                  />{' '}
                  <span className="small muted">never shown</span>
                </dd>
                <dt>Content</dt>
                <dd>{v.settings.content === 'redacted' ? 'redacted content' : 'metadata only'}</dd>
                <dt>Batch size</dt>
                <dd>{formatCount(v.settings.batchSize)} events</dd>
                <dt>Flush interval</dt>
                <dd>{formatDuration(v.settings.flushIntervalMs)}</dd>
                <dt>Settle margin (PostgreSQL)</dt>
                <dd>{formatDuration(v.settings.delayMs)}</dd>
                <dt>Retries · timeout</dt>
                <dd>
                  {v.settings.maxRetries} · {formatDuration(v.settings.timeoutMs)}
                </dd>
                <dt>First run starts</dt>
                <dd>{v.settings.start === 'now' ? 'from now' : 'from the oldest stored event'}</dd>
              </dl>
            </div>
            <div>
              <h3 className="adm-h3">Export status</h3>
              <dl className="adm-dl" data-testid="siem-status">
                <dt>Exporter</dt>
                <dd>
                  {st.lease === null ? (
                    <span className="muted">no replica has run it</span>
                  ) : (
                    <>
                      <Badge
                        value={st.lease.active ? 'running' : 'lease expired'}
                        tone={st.lease.active ? 'good' : 'warn'}
                      />{' '}
                      <Mono max={40}>{st.lease.holder}</Mono>
                    </>
                  )}
                </dd>
                <dt>Delivered up to</dt>
                <dd>
                  {st.cursor === null ? (
                    <span className="muted">not started</span>
                  ) : (
                    formatTime(st.cursor.from)
                  )}
                </dd>
                <dt>Lag</dt>
                <dd>{formatDuration(st.lagMs)}</dd>
                <dt>Delivered</dt>
                <dd>
                  {formatCount(st.stats.events)} events in {formatCount(st.stats.batches)} batches
                </dd>
                <dt>Last delivery</dt>
                <dd>
                  {st.stats.lastDeliveredAt === null ? (
                    <span className="muted">never</span>
                  ) : (
                    <span title={formatTime(st.stats.lastDeliveredAt)}>
                      {formatAgo(st.stats.lastDeliveredAt)}
                    </span>
                  )}
                  {st.stats.lastDelivery !== null && (
                    <>
                      {' '}
                      <Mono max={24}>{st.stats.lastDelivery}</Mono>
                    </>
                  )}
                </dd>
                <dt>Last error</dt>
                <dd>
                  {st.lastError === null ? (
                    <span className="muted">none</span>
                  ) : (
                    <>
                      <span title={formatTime(st.lastError.at)}>{formatAgo(st.lastError.at)}</span>
                      {st.lastError.status !== null && <> · HTTP {st.lastError.status}</>}:{' '}
                      <span className="adm-error-text">{st.lastError.message}</span>
                    </>
                  )}
                </dd>
              </dl>
            </div>
          </div>
          {props.writable && editing && (
            <SiemForm
              view={v}
              onCancel={() => setEditing(false)}
              onSaved={() => {
                setEditing(false);
                siem.reload();
                props.onChanged();
              }}
            />
          )}
        </>
      )}
    </Card>
  );
}

function SiemForm(props: { view: SiemView; onSaved(): void; onCancel(): void }) {
  const s = props.view.settings;
  const [enabled, setEnabled] = useState(s.enabled);
  const [url, setUrl] = useState(s.url ?? '');
  const [secret, setSecret] = useState('');
  const [batchSize, setBatchSize] = useState(String(s.batchSize));
  const [flush, setFlush] = useState(String(s.flushIntervalMs));
  const [retries, setRetries] = useState(String(s.maxRetries));
  const [timeout, setTimeoutMs] = useState(String(s.timeoutMs));
  const [delay, setDelay] = useState(String(s.delayMs));
  const [content, setContent] = useState<SiemContent>(s.content);
  const [start, setStart] = useState<SiemStart>(s.start);
  const save = useAction(async (body: PutSiemRequest) => api<SiemView>('PUT', '/siem', { body }));
  const masked = (s.url ?? '').includes('***');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // Only what changed: absent fields keep their value (the URL as shown may be masked).
    const body: PutSiemRequest = {};
    if (enabled !== s.enabled) body.enabled = enabled;
    if (url.trim() !== (s.url ?? '')) body.url = url.trim() === '' ? null : url.trim();
    if (secret !== '') body.secret = secret;
    const num = (text: string, current: number) => {
      const n = Number(text);
      return text.trim() === '' || n === current ? undefined : n;
    };
    const nb = num(batchSize, s.batchSize);
    if (nb !== undefined) body.batchSize = nb;
    const nf = num(flush, s.flushIntervalMs);
    if (nf !== undefined) body.flushIntervalMs = nf;
    const nr = num(retries, s.maxRetries);
    if (nr !== undefined) body.maxRetries = nr;
    const nt = num(timeout, s.timeoutMs);
    if (nt !== undefined) body.timeoutMs = nt;
    const nd = num(delay, s.delayMs);
    if (nd !== undefined) body.delayMs = nd;
    if (content !== s.content) body.content = content;
    if (start !== s.start) body.start = start;
    const answer = await save.run(body);
    if (answer !== undefined) {
      setSecret('');
      props.onSaved();
    }
  };

  return (
    <form className="adm-form adm-inset" onSubmit={submit} aria-label="SIEM settings">
      <h3 className="adm-h3">Change the SIEM settings</h3>
      <label className="adm-check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Export
        enabled
      </label>
      <div className="adm-form-grid">
        <label className="field adm-wide">
          <span>Endpoint URL (http:// or https://; empty: none)</span>
          <input
            type="url"
            value={url}
            maxLength={2000}
            autoComplete="off"
            spellCheck={false}
            placeholder="https://siem.example.com/ingest"
            onChange={(e) => setUrl(e.target.value)}
          />
        </label>
        <label className="field">
          <span>
            Signing secret ({s.secretSet ? 'set; empty keeps it' : 'not set'}; at least 16 characters)
          </span>
          <input
            type="password"
            value={secret}
            minLength={16}
            maxLength={1000}
            autoComplete="new-password"
            placeholder={s.secretSet ? '•••••• (unchanged)' : 'openssl rand -hex 32'}
            onChange={(e) => setSecret(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Content</span>
          <select value={content} onChange={(e) => setContent(e.target.value as SiemContent)}>
            <option value="redacted">Redacted content</option>
            <option value="none">Metadata only</option>
          </select>
        </label>
        <label className="field">
          <span>Batch size (events per POST)</span>
          <input
            type="number"
            min={1}
            step={1}
            value={batchSize}
            onChange={(e) => setBatchSize(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Flush interval (ms)</span>
          <input type="number" min={1} step={1} value={flush} onChange={(e) => setFlush(e.target.value)} />
        </label>
        <label className="field">
          <span>Settle margin on PostgreSQL (ms, at least 5000 used)</span>
          <input type="number" min={0} step={1} value={delay} onChange={(e) => setDelay(e.target.value)} />
        </label>
        <label className="field">
          <span>Max retries</span>
          <input
            type="number"
            min={0}
            max={100}
            step={1}
            value={retries}
            onChange={(e) => setRetries(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Timeout per POST (ms)</span>
          <input
            type="number"
            min={1}
            step={1}
            value={timeout}
            onChange={(e) => setTimeoutMs(e.target.value)}
          />
        </label>
        <label className="field">
          <span>A sink that never ran starts</span>
          <select value={start} onChange={(e) => setStart(e.target.value as SiemStart)}>
            <option value="now">From now</option>
            <option value="beginning">From the oldest stored event</option>
          </select>
        </label>
      </div>
      {masked && (
        <p className="small muted">
          The URL is shown with its password and query values masked (<code>***</code>): leave it as is to
          keep it, or type the whole URL again.
        </p>
      )}
      <FormFooter
        error={save.error}
        busy={save.busy}
        submit="Save SIEM settings"
        busyLabel="Saving…"
        onCancel={props.onCancel}
      />
    </form>
  );
}

// ---------------------------------------------------------------------------------------------------
// Audit trail

const AUDIT_WINDOWS = [...WINDOWS, { value: '', label: 'All time' }];
const PAGE_SIZE = 50;

function actionTone(action: string): 'bad' | 'warn' | 'info' | 'neutral' {
  if (action === 'login.failed' || action === 'POST /kill-switch') return 'bad';
  if (action === 'events.reveal') return 'warn';
  if (action === 'login') return 'neutral';
  return 'info';
}

function AuditTrail(props: { route: Route; changes: number }) {
  const id = useId();
  const [actor, setActor] = useState(props.route.params.get('actor') ?? '');
  const [action, setAction] = useState(props.route.params.get('action') ?? '');
  const [since, setSince] = useState(props.route.params.get('since') ?? '7d');
  const debouncedActor = useDebounced(actor.trim(), 300);
  const debouncedAction = useDebounced(action.trim(), 300);
  const filters = { actor: debouncedActor, action: debouncedAction, since };
  const filterKey = JSON.stringify(filters);
  /**
   * The `after` cursors of the pages before the one shown (empty: the newest page), for the filters they
   * were taken with: other filters start again at the newest page.
   */
  const [paging, setPaging] = useState<{ key: string; cursors: string[] }>({ key: '', cursors: [] });
  const cursors = paging.key === filterKey ? paging.cursors : [];
  const setCursors = (next: string[]) => setPaging({ key: filterKey, cursors: next });
  const after = cursors[cursors.length - 1];

  const page = useApi<AuditPage>('/audit', { ...filters, after, limit: PAGE_SIZE });
  const reload = page.reload;
  // A change made on this page is in the trail now: fetch again.
  useEffect(() => {
    if (props.changes > 0) reload();
  }, [props.changes, reload]);

  const columns: Column<AuditEntry>[] = [
    {
      key: 'time',
      header: 'Time',
      className: 'adm-nowrap',
      render: (e) => <time dateTime={e.time}>{formatTime(e.time)}</time>,
    },
    {
      key: 'actor',
      header: 'Actor',
      render: (e) => (
        <button
          type="button"
          className="adm-linkish adm-nowrap"
          title={`Show only ${e.actor}`}
          onClick={() => setActor(e.actor)}
        >
          {e.actor}
        </button>
      ),
    },
    { key: 'kind', header: 'Kind', render: (e) => <Badge value={e.actorKind} tone="neutral" /> },
    {
      key: 'action',
      header: 'Action',
      render: (e) => (
        <button
          type="button"
          className="adm-linkish"
          title={`Show only ${e.action}`}
          onClick={() => setAction(e.action)}
        >
          <Badge value={e.action} tone={actionTone(e.action)} />
        </button>
      ),
    },
    {
      key: 'target',
      header: 'Target',
      render: (e) =>
        e.target === null ? <span className="muted">–</span> : <Compact text={compactRecord(e.target)} />,
    },
    {
      key: 'details',
      header: 'Details',
      render: (e) =>
        e.details === null ? <span className="muted">–</span> : <Compact text={compactDetails(e.details)} />,
    },
    {
      key: 'ip',
      header: 'IP',
      render: (e) => (e.ip === null ? <span className="muted">–</span> : <Mono>{e.ip}</Mono>),
    },
  ];

  const entries = page.data?.entries ?? [];
  return (
    <Card
      title="Audit trail"
      actions={
        <div className="row">
          <span className="small muted">newest first · append-only</span>
          <button type="button" className="btn btn-small" onClick={page.reload}>
            Refresh
          </button>
        </div>
      }
    >
      <p className="small muted">
        Every admin action: sign-ins, policy changes, key and token creation, approvals, content reveals and
        settings. Secrets and content are never recorded.
      </p>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Audit trail filters">
        <label className="field">
          <span>Actor</span>
          <input
            data-search
            type="search"
            value={actor}
            placeholder="alice, token:ci, admin-token"
            autoComplete="off"
            onChange={(e) => setActor(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Action</span>
          <input
            type="search"
            value={action}
            list={`${id}-actions`}
            placeholder="login.failed, POST /kill-switch"
            autoComplete="off"
            onChange={(e) => setAction(e.target.value)}
          />
        </label>
        <datalist id={`${id}-actions`}>
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <label className="field">
          <span>Since</span>
          <select value={since} onChange={(e) => setSince(e.target.value)}>
            {AUDIT_WINDOWS.map((w) => (
              <option key={w.value} value={w.value}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
        {(actor !== '' || action !== '') && (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              setActor('');
              setAction('');
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      <p className="small muted">Actor and action match exactly.</p>
      <ErrorNotice error={page.error} onRetry={page.reload} />
      {page.loading ? (
        <Loading />
      ) : page.data !== null ? (
        <div data-testid="audit-table">
          <DataTable
            columns={columns}
            rows={entries}
            rowKey={(e) => String(e.id)}
            caption="Admin audit trail"
            empty={cursors.length > 0 ? 'No older entries.' : 'No audit entries match these filters.'}
          />
        </div>
      ) : null}
      <nav className="row adm-pager" aria-label="Audit trail pages">
        <button
          type="button"
          className="btn btn-small"
          disabled={cursors.length === 0}
          onClick={() => setCursors([])}
        >
          Newest
        </button>
        <button
          type="button"
          className="btn btn-small"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Newer
        </button>
        <button
          type="button"
          className="btn btn-small"
          disabled={page.data?.next == null}
          onClick={() => {
            const next = page.data?.next;
            if (next != null) setCursors([...cursors, next]);
          }}
          data-testid="audit-older"
        >
          Older
        </button>
        <span className="small muted" aria-live="polite">
          Page {cursors.length + 1}
          {page.data !== null && ` · ${formatCount(entries.length)} entries`}
        </span>
      </nav>
    </Card>
  );
}

/** Compact key=value text, cut to a line with the whole text on hover and for screen readers. */
function Compact(props: { text: string }) {
  return (
    <span className="adm-compact" title={props.text.length > 150 ? props.text : undefined}>
      {props.text}
    </span>
  );
}
