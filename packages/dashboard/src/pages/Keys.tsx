/**
 * Virtual keys (`ppk_…`): the credentials callers use to reach the gateway. Lists them (never their
 * secrets), creates one (the key is shown once, then forgotten by the page) and revokes them.

 */
import { type FormEvent, useId, useMemo, useState } from 'react';
import { api, can, type Session } from '../api.ts';
import { ConfirmDialog, FormFooter, OnceSecret, ReadOnlyNote } from '../components/admin-parts.tsx';
import {
  Badge,
  Card,
  type Column,
  DataTable,
  ErrorNotice,
  Loading,
  Mono,
  Page,
  Stat,
} from '../components/ui.tsx';
import { formatCount, formatTime } from '../format.ts';
import { useAction, useApi } from '../hooks.ts';
import { href, type Route } from '../router.ts';
import {
  type CreateKeyRequest,
  type KeyList,
  type KeySummary,
  type NewKey,
  type RevokedKey,
  splitList,
} from './admin-types.ts';
import './Settings.css';

// ---------------------------------------------------------------------------------------------------
// Keys page

const STATUS_LABEL: Record<KeySummary['status'], { label: string; tone: 'good' | 'warn' | 'bad' }> = {
  ok: { label: 'active', tone: 'good' },
  expired: { label: 'expired', tone: 'warn' },
  revoked: { label: 'revoked', tone: 'bad' },
};

export function KeyStatus(props: { status: KeySummary['status'] }) {
  const s = STATUS_LABEL[props.status] ?? { label: props.status, tone: 'neutral' as const };
  return <Badge value={s.label} tone={s.tone} />;
}

export function KeysPage(props: { session: Session; route: Route }) {
  const writable = can(props.session, 'keys.write');
  const list = useApi<KeyList>('/keys');
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState(props.route.params.get('status') ?? '');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<NewKey | null>(null);
  const [revoking, setRevoking] = useState<KeySummary | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const detailId = props.route.parts[1];

  const keys = useMemo(
    () => [...(list.data?.keys ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    [list.data],
  );
  const counts = useMemo(() => {
    const c = { ok: 0, expired: 0, revoked: 0 };
    for (const k of keys) c[k.status] += 1;
    return c;
  }, [keys]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return keys.filter(
      (k) =>
        (status === '' || k.status === status) &&
        (q === '' ||
          [k.id, k.user ?? '', k.app ?? '', ...k.groups, ...(k.models ?? [])].some((v) =>
            v.toLowerCase().includes(q),
          )),
    );
  }, [keys, query, status]);

  const revoke = useAction(async (key: KeySummary) => {
    const answer = await api<RevokedKey>('DELETE', `/keys/${encodeURIComponent(key.id)}`);
    setRevoking(null);
    setNotice(
      answer.alreadyRevoked
        ? `Key ${answer.id} was already revoked.`
        : `Key ${answer.id} is revoked: gateways refuse it within their key cache time.`,
    );
    list.reload();
  });

  const columns: Column<KeySummary>[] = [
    {
      key: 'id',
      header: 'Key id',
      render: (k) => (
        <a href={href(['keys', k.id])} aria-label={`${k.id} details`}>
          <Mono>{k.id}</Mono>
        </a>
      ),
    },
    { key: 'user', header: 'User', render: (k) => k.user ?? <span className="muted">none</span> },
    {
      key: 'groups',
      header: 'Groups',
      render: (k) => (k.groups.length === 0 ? <span className="muted">none</span> : k.groups.join(', ')),
    },
    { key: 'app', header: 'App', render: (k) => k.app ?? <span className="muted">none</span> },
    {
      key: 'models',
      header: 'Allowed models',
      render: (k) => (k.models === null ? <span className="muted">all</span> : k.models.join(', ')),
    },
    { key: 'created', header: 'Created', render: (k) => formatTime(k.createdAt) },
    {
      key: 'expires',
      header: 'Expires',
      render: (k) => (k.expiresAt === null ? <span className="muted">never</span> : formatTime(k.expiresAt)),
    },
    {
      key: 'status',
      header: 'Status',
      render: (k) => (
        <>
          <KeyStatus status={k.status} />
          {k.revokedAt !== null && <div className="small muted">{formatTime(k.revokedAt)}</div>}
        </>
      ),
    },
  ];
  if (writable) {
    columns.push({
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      render: (k) =>
        k.status === 'revoked' ? null : (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              revoke.clear();
              setRevoking(k);
            }}
            aria-label={`Revoke key ${k.id}`}
          >
            Revoke
          </button>
        ),
    });
  }

  return (
    <Page
      title="Virtual keys"
      subtitle="The keys (ppk_…) applications and people use to call the gateway; it stores only their hash."
      actions={
        writable && !creating ? (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => {
              setCreating(true);
              setCreated(null);
            }}
          >
            Create key
          </button>
        ) : undefined
      }
    >
      {!writable && (
        <ReadOnlyNote session={props.session} permission="keys.write" what="create or revoke keys" />
      )}
      {notice !== null && (
        <p className="notice notice-info" role="status">
          {notice}{' '}
          <button type="button" className="btn btn-small" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </p>
      )}
      {created !== null && (
        <OnceSecret
          title={`Key ${created.id} created`}
          what="key"
          value={created.key}
          onDismiss={() => setCreated(null)}
        />
      )}
      {writable && creating && (
        <CreateKeyForm
          keys={keys}
          onCancel={() => setCreating(false)}
          onCreated={(k) => {
            setCreating(false);
            setCreated(k);
            setNotice(null);
            list.reload();
          }}
        />
      )}
      {detailId !== undefined && <KeyDetail id={detailId} />}

      <div className="stats">
        <Stat label="Keys" value={formatCount(keys.length)} />
        <Stat label="Active" value={formatCount(counts.ok)} />
        <Stat label="Expired" value={formatCount(counts.expired)} />
        <Stat label="Revoked" value={formatCount(counts.revoked)} />
      </div>

      <Card title="All keys" actions={<span className="small muted">newest first</span>}>
        <div className="filters adm-filters">
          <label className="field">
            <span>Search</span>
            <input
              type="search"
              data-search
              placeholder="id, user, group, app, model"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
            />
          </label>
          <label className="field">
            <span>Status</span>
            <select value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">Any</option>
              <option value="ok">Active</option>
              <option value="expired">Expired</option>
              <option value="revoked">Revoked</option>
            </select>
          </label>
          <span className="small muted" aria-live="polite">
            {list.data !== null && `${formatCount(shown.length)} of ${formatCount(keys.length)} shown`}
          </span>
        </div>
        <ErrorNotice error={list.error} onRetry={list.reload} />
        {list.loading ? (
          <Loading />
        ) : list.data !== null ? (
          <div data-testid="keys-table">
            <DataTable
              columns={columns}
              rows={shown}
              rowKey={(k) => k.id}
              caption="Virtual keys"
              empty={keys.length === 0 ? 'No virtual keys yet.' : 'No key matches these filters.'}
            />
          </div>
        ) : null}
      </Card>

      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this key?"
        confirmLabel="Revoke key"
        danger
        busy={revoke.busy}
        error={revoke.error}
        onConfirm={() => revoking !== null && void revoke.run(revoking)}
        onClose={() => setRevoking(null)}
      >
        {revoking !== null && (
          <>
            <p>
              Key <Mono>{revoking.id}</Mono>
              {revoking.user !== null && <> of {revoking.user}</>}
              {revoking.app !== null && <> (app {revoking.app})</>} will stop working: gateways refuse it
              within their key cache time (<code>server.key_cache_ttl_ms</code>).
            </p>
            <p>This cannot be undone; the holder needs a new key.</p>
          </>
        )}
      </ConfirmDialog>
    </Page>
  );
}

function KeyDetail(props: { id: string }) {
  const key = useApi<KeySummary>(`/keys/${encodeURIComponent(props.id)}`);
  const k = key.data;
  return (
    <Card
      title={`Key ${props.id}`}
      actions={
        <a href={href(['keys'])} className="small">
          Close
        </a>
      }
    >
      <ErrorNotice error={key.error} />
      {key.loading && <Loading />}
      {k !== null && (
        <dl className="adm-dl">
          <dt>Status</dt>
          <dd>
            <KeyStatus status={k.status} />
          </dd>
          <dt>User</dt>
          <dd>{k.user ?? 'none'}</dd>
          <dt>Groups</dt>
          <dd>{k.groups.length === 0 ? 'none' : k.groups.join(', ')}</dd>
          <dt>App</dt>
          <dd>{k.app ?? 'none'}</dd>
          <dt>Allowed models</dt>
          <dd>{k.models === null ? 'all' : k.models.join(', ')}</dd>
          <dt>Created</dt>
          <dd>{formatTime(k.createdAt)}</dd>
          <dt>Expires</dt>
          <dd>{k.expiresAt === null ? 'never' : formatTime(k.expiresAt)}</dd>
          <dt>Revoked</dt>
          <dd>{k.revokedAt === null ? 'no' : formatTime(k.revokedAt)}</dd>
          {k.user !== null && (
            <>
              <dt>Activity</dt>
              <dd>
                <a href={href(['activity'], { user: k.user })}>Events of {k.user}</a>
              </dd>
            </>
          )}
        </dl>
      )}
    </Card>
  );
}

const EXPIRY_CHOICES = ['7d', '30d', '90d', '180d', '365d'];

function CreateKeyForm(props: { keys: KeySummary[]; onCreated(key: NewKey): void; onCancel(): void }) {
  const id = useId();
  const [user, setUser] = useState('');
  const [groups, setGroups] = useState('');
  const [app, setApp] = useState('');
  const [models, setModels] = useState('');
  const [expires, setExpires] = useState('90d');
  const create = useAction(async (body: CreateKeyRequest) => api<NewKey>('POST', '/keys', { body }));

  const known = useMemo(() => {
    const users = new Set<string>();
    const apps = new Set<string>();
    const groupSet = new Set<string>();
    for (const k of props.keys) {
      if (k.user !== null) users.add(k.user);
      if (k.app !== null) apps.add(k.app);
      for (const g of k.groups) groupSet.add(g);
    }
    return { users: [...users].sort(), apps: [...apps].sort(), groups: [...groupSet].sort() };
  }, [props.keys]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const modelList = splitList(models);
    const body: CreateKeyRequest = {
      user: user.trim() === '' ? null : user.trim(),
      groups: splitList(groups),
      app: app.trim() === '' ? null : app.trim(),
      models: modelList.length === 0 ? null : modelList,
      expires: expires.trim() === '' ? null : expires.trim(),
    };
    const answer = await create.run(body);
    if (answer !== undefined) props.onCreated(answer);
  };

  return (
    <Card title="Create a virtual key">
      <form className="adm-form" onSubmit={submit}>
        <div className="adm-form-grid">
          <label className="field">
            <span>User</span>
            <input
              value={user}
              onChange={(e) => setUser(e.target.value)}
              list={`${id}-users`}
              maxLength={200}
              autoComplete="off"
              placeholder="ada@example.com"
            />
          </label>
          <label className="field">
            <span>Groups (comma-separated)</span>
            <input
              value={groups}
              onChange={(e) => setGroups(e.target.value)}
              autoComplete="off"
              placeholder={known.groups.slice(0, 3).join(', ') || 'eng, finance'}
            />
          </label>
          <label className="field">
            <span>App</span>
            <input
              value={app}
              onChange={(e) => setApp(e.target.value)}
              list={`${id}-apps`}
              maxLength={200}
              autoComplete="off"
              placeholder="chat-web"
            />
          </label>
          <label className="field">
            <span>Allowed models (comma-separated; empty: all)</span>
            <input
              value={models}
              onChange={(e) => setModels(e.target.value)}
              autoComplete="off"
              placeholder="all models"
            />
          </label>
          <label className="field">
            <span>Expires (30d, 12h, an ISO date; empty: never)</span>
            <input
              value={expires}
              onChange={(e) => setExpires(e.target.value)}
              list={`${id}-expiry`}
              maxLength={40}
              autoComplete="off"
            />
          </label>
        </div>
        <datalist id={`${id}-users`}>
          {known.users.map((u) => (
            <option key={u} value={u} />
          ))}
        </datalist>
        <datalist id={`${id}-apps`}>
          {known.apps.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <datalist id={`${id}-expiry`}>
          {EXPIRY_CHOICES.map((x) => (
            <option key={x} value={x} />
          ))}
        </datalist>
        {known.groups.length > 0 && <p className="small muted">Groups in use: {known.groups.join(', ')}</p>}
        <FormFooter
          error={create.error}
          busy={create.busy}
          submit="Create key"
          busyLabel="Creating…"
          onCancel={props.onCancel}
        />
      </form>
    </Card>
  );
}
