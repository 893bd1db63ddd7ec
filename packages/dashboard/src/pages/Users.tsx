/**
 * Admin accounts (people who sign in to this dashboard) and API tokens (automation). Accounts are never
 * deleted, only disabled; tokens are shown once when created and can be revoked.
 */
import { type FormEvent, useId, useMemo, useState } from 'react';
import { api, can, type Session } from '../api.ts';
import { ConfirmDialog, FormFooter, OnceSecret, ReadOnlyNote } from '../components/admin-parts.tsx';
import { Badge, Card, type Column, DataTable, ErrorNotice, Loading, Mono, Page } from '../components/ui.tsx';
import { formatAgo, formatCount, formatTime } from '../format.ts';
import { useAction, useApi } from '../hooks.ts';
import type { Route } from '../router.ts';
import {
  ADMIN_ROLES,
  type AdminRole,
  type AdminUser,
  type ApiToken,
  type CreatedToken,
  ROLE_DESCRIPTIONS,
  type TokenList,
  type UserList,
} from './admin-types.ts';
import './Settings.css';

const MIN_PASSWORD = 12;

type UserChange =
  | { kind: 'role'; user: AdminUser; role: AdminRole }
  | { kind: 'disable' | 'enable'; user: AdminUser };

export function UsersPage(props: { session: Session; route: Route }) {
  const writable = can(props.session, 'users.write');
  const users = useApi<UserList>('/users');
  const tokens = useApi<TokenList>('/tokens');
  const [query, setQuery] = useState(props.route.params.get('q') ?? '');
  const [creatingUser, setCreatingUser] = useState(false);
  const [creatingToken, setCreatingToken] = useState(false);
  const [createdToken, setCreatedToken] = useState<CreatedToken | null>(null);
  const [change, setChange] = useState<UserChange | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const q = query.trim().toLowerCase();
  const userRows = useMemo(
    () =>
      (users.data?.users ?? []).filter(
        (u) => q === '' || u.name.includes(q) || u.role.includes(q) || u.status.includes(q),
      ),
    [users.data, q],
  );
  const tokenRows = useMemo(
    () =>
      (tokens.data?.tokens ?? []).filter(
        (t) =>
          q === '' || [t.name, t.id, t.role, t.status, t.createdBy].some((v) => v.toLowerCase().includes(q)),
      ),
    [tokens.data, q],
  );

  const applyChange = useAction(async (c: UserChange) => {
    const body = c.kind === 'role' ? { role: c.role } : { disabled: c.kind === 'disable' };
    const answer = await api<AdminUser>('PATCH', `/users/${encodeURIComponent(c.user.name)}`, { body });
    setChange(null);
    setNotice(
      c.kind === 'role'
        ? `${answer.name} is now ${answer.role} (from their next request).`
        : c.kind === 'disable'
          ? `${answer.name} is disabled; their sessions have ended.`
          : `${answer.name} is enabled again.`,
    );
    users.reload();
  });

  const revoke = useAction(async (t: ApiToken) => {
    const answer = await api<ApiToken>('DELETE', `/tokens/${encodeURIComponent(t.id)}`);
    setRevoking(null);
    setNotice(`Token ${answer.name} is ${answer.status}: it is refused at once.`);
    tokens.reload();
  });

  const me = (u: AdminUser) => props.session.kind === 'user' && props.session.user === u.name;

  const userColumns: Column<AdminUser>[] = [
    {
      key: 'name',
      header: 'Account',
      render: (u) => (
        <>
          <strong>{u.name}</strong>
          {me(u) && <span className="muted"> (you)</span>}
        </>
      ),
    },
    { key: 'role', header: 'Role', render: (u) => <Badge value={u.role} tone="neutral" /> },
    {
      key: 'status',
      header: 'Status',
      render: (u) => (
        <>
          <Badge value={u.status} tone={u.status === 'active' ? 'good' : 'bad'} />
          {u.disabledAt !== null && <div className="small muted">since {formatTime(u.disabledAt)}</div>}
        </>
      ),
    },
    { key: 'created', header: 'Created', render: (u) => formatTime(u.createdAt) },
    {
      key: 'login',
      header: 'Last sign-in',
      render: (u) =>
        u.lastLoginAt === null ? (
          <span className="muted">never</span>
        ) : (
          <span title={formatTime(u.lastLoginAt)}>{formatAgo(u.lastLoginAt)}</span>
        ),
    },
  ];
  if (writable) {
    userColumns.push({
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      render: (u) => (
        <div className="row adm-nowrap">
          <button
            type="button"
            className="btn btn-small"
            aria-label={`Change role of ${u.name}`}
            onClick={() => {
              applyChange.clear();
              setChange({ kind: 'role', user: u, role: u.role });
            }}
          >
            Change role
          </button>
          <button
            type="button"
            className="btn btn-small"
            aria-label={`${u.status === 'active' ? 'Disable' : 'Enable'} ${u.name}`}
            onClick={() => {
              applyChange.clear();
              setChange({ kind: u.status === 'active' ? 'disable' : 'enable', user: u });
            }}
          >
            {u.status === 'active' ? 'Disable' : 'Enable'}
          </button>
        </div>
      ),
    });
  }

  const tokenColumns: Column<ApiToken>[] = [
    { key: 'name', header: 'Name', render: (t) => <strong>{t.name}</strong> },
    { key: 'id', header: 'Id', render: (t) => <Mono>{t.id}</Mono> },
    { key: 'role', header: 'Role', render: (t) => <Badge value={t.role} tone="neutral" /> },
    {
      key: 'status',
      header: 'Status',
      render: (t) => (
        <>
          <Badge
            value={t.status}
            tone={t.status === 'active' ? 'good' : t.status === 'expired' ? 'warn' : 'bad'}
          />
          {t.revokedAt !== null && <div className="small muted">{formatTime(t.revokedAt)}</div>}
        </>
      ),
    },
    { key: 'by', header: 'Created by', render: (t) => t.createdBy },
    { key: 'created', header: 'Created', render: (t) => formatTime(t.createdAt) },
    {
      key: 'expires',
      header: 'Expires',
      render: (t) => (t.expiresAt === null ? <span className="muted">never</span> : formatTime(t.expiresAt)),
    },
    {
      key: 'used',
      header: 'Last used',
      render: (t) =>
        t.lastUsedAt === null ? (
          <span className="muted">never</span>
        ) : (
          <span title={formatTime(t.lastUsedAt)}>{formatAgo(t.lastUsedAt)}</span>
        ),
    },
  ];
  if (writable) {
    tokenColumns.push({
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      render: (t) =>
        t.status === 'revoked' ? null : (
          <button
            type="button"
            className="btn btn-small"
            aria-label={`Revoke token ${t.name}`}
            onClick={() => {
              revoke.clear();
              setRevoking(t);
            }}
          >
            Revoke
          </button>
        ),
    });
  }

  const activeUsers = (users.data?.users ?? []).filter((u) => u.status === 'active').length;
  const activeTokens = (tokens.data?.tokens ?? []).filter((t) => t.status === 'active').length;

  return (
    <Page
      title="Users & tokens"
      subtitle="Who may open the admin API and this dashboard: accounts for people, API tokens for automation."
    >
      {!writable && (
        <ReadOnlyNote
          session={props.session}
          permission="users.write"
          what="create accounts, change roles, disable accounts or manage tokens"
        />
      )}
      {notice !== null && (
        <p className="notice notice-info" role="status">
          {notice}{' '}
          <button type="button" className="btn btn-small" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </p>
      )}
      <div className="filters">
        <label className="field">
          <span>Search accounts and tokens</span>
          <input
            type="search"
            data-search
            value={query}
            placeholder="name, role, status"
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
      </div>

      <Card
        title="Accounts"
        actions={
          <div className="row">
            <span className="small muted">
              {users.data !== null &&
                `${formatCount(activeUsers)} active of ${formatCount(users.data.users.length)}`}
            </span>
            {writable && !creatingUser && (
              <button
                type="button"
                className="btn btn-primary btn-small"
                onClick={() => setCreatingUser(true)}
              >
                Create account
              </button>
            )}
          </div>
        }
      >
        {writable && creatingUser && (
          <CreateUserForm
            onCancel={() => setCreatingUser(false)}
            onCreated={(u) => {
              setCreatingUser(false);
              setNotice(
                `Account ${u.name} (${u.role}) created. Give them the password through a safe channel.`,
              );
              users.reload();
            }}
          />
        )}
        <ErrorNotice error={users.error} onRetry={users.reload} />
        {users.loading ? (
          <Loading />
        ) : users.data !== null ? (
          <div data-testid="users-table">
            <DataTable
              columns={userColumns}
              rows={userRows}
              rowKey={(u) => u.name}
              caption="Admin accounts"
              empty={users.data.users.length === 0 ? 'No accounts yet.' : 'No account matches the search.'}
            />
          </div>
        ) : null}
        <p className="small muted">
          Accounts are never deleted: disable them (their sessions end at once). The API refuses to demote or
          disable the last enabled admin.
        </p>
        <RoleGuide />
      </Card>

      {createdToken !== null && (
        <OnceSecret
          title={`API token ${createdToken.name} created`}
          what="token"
          value={createdToken.token}
          onDismiss={() => setCreatedToken(null)}
        />
      )}

      <Card
        title="API tokens"
        actions={
          <div className="row">
            <span className="small muted">
              {tokens.data !== null &&
                `${formatCount(activeTokens)} active of ${formatCount(tokens.data.tokens.length)}`}
            </span>
            {writable && !creatingToken && (
              <button
                type="button"
                className="btn btn-primary btn-small"
                onClick={() => {
                  setCreatingToken(true);
                  setCreatedToken(null);
                }}
              >
                Create token
              </button>
            )}
          </div>
        }
      >
        {writable && creatingToken && (
          <CreateTokenForm
            onCancel={() => setCreatingToken(false)}
            onCreated={(t) => {
              setCreatingToken(false);
              setCreatedToken(t);
              tokens.reload();
            }}
          />
        )}
        <ErrorNotice error={tokens.error} onRetry={tokens.reload} />
        {tokens.loading ? (
          <Loading />
        ) : tokens.data !== null ? (
          <div data-testid="tokens-table">
            <DataTable
              columns={tokenColumns}
              rows={tokenRows}
              rowKey={(t) => t.id}
              caption="API tokens"
              empty={tokens.data.tokens.length === 0 ? 'No API tokens yet.' : 'No token matches the search.'}
            />
          </div>
        ) : null}
        <p className="small muted">
          Send a token as <code>Authorization: Bearer pat_…</code>. Its actions are recorded in the audit
          trail as <code>token:&lt;name&gt;</code>; names are never reused, even after revocation.
        </p>
      </Card>

      <ChangeDialog
        change={change}
        session={props.session}
        busy={applyChange.busy}
        error={applyChange.error}
        onRole={(role) => change?.kind === 'role' && setChange({ ...change, role })}
        onConfirm={() => change !== null && void applyChange.run(change)}
        onClose={() => setChange(null)}
      />

      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this API token?"
        confirmLabel="Revoke token"
        danger
        busy={revoke.busy}
        error={revoke.error}
        onConfirm={() => revoking !== null && void revoke.run(revoking)}
        onClose={() => setRevoking(null)}
      >
        {revoking !== null && (
          <p>
            Token <strong>{revoking.name}</strong> (<Mono>{revoking.id}</Mono>, role {revoking.role}) is
            refused at once on every gateway. Automation using it stops working. This cannot be undone.
          </p>
        )}
      </ConfirmDialog>
    </Page>
  );
}

function RoleGuide() {
  return (
    <details className="adm-details">
      <summary>What each role may do</summary>
      <dl className="adm-dl">
        {ADMIN_ROLES.map((r) => (
          <div key={r} className="adm-dl-row">
            <dt>
              <code>{r}</code>
            </dt>
            <dd>{ROLE_DESCRIPTIONS[r]}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

function ChangeDialog(props: {
  change: UserChange | null;
  session: Session;
  busy: boolean;
  error: Error | null;
  onRole(role: AdminRole): void;
  onConfirm(): void;
  onClose(): void;
}) {
  const id = useId();
  const c = props.change;
  const self = c !== null && props.session.kind === 'user' && props.session.user === c.user.name;
  const title =
    c === null
      ? ''
      : c.kind === 'role'
        ? `Change the role of ${c.user.name}`
        : c.kind === 'disable'
          ? `Disable ${c.user.name}?`
          : `Enable ${c.user.name}?`;
  return (
    <ConfirmDialog
      open={c !== null}
      title={title}
      confirmLabel={
        c?.kind === 'role' ? 'Change role' : c?.kind === 'disable' ? 'Disable account' : 'Enable account'
      }
      danger={
        c?.kind === 'disable' || (c?.kind === 'role' && c.role !== c.user.role && c.user.role === 'admin')
      }
      ready={c?.kind !== 'role' || c.role !== c.user.role}
      busy={props.busy}
      error={props.error}
      onConfirm={props.onConfirm}
      onClose={props.onClose}
    >
      {c?.kind === 'role' && (
        <>
          <label className="field" htmlFor={`${id}-role`}>
            <span>New role (now {c.user.role})</span>
            <select
              id={`${id}-role`}
              value={c.role}
              onChange={(e) => props.onRole(e.target.value as AdminRole)}
            >
              {ADMIN_ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <p className="small muted">{ROLE_DESCRIPTIONS[c.role]}</p>
          <p className="small">The new role applies from the account's next request, sessions included.</p>
        </>
      )}
      {c?.kind === 'disable' && (
        <p>
          {c.user.name} can no longer sign in, and every session of theirs ends at once. You can enable the
          account again later.
        </p>
      )}
      {c?.kind === 'enable' && <p>{c.user.name} can sign in again with their current password.</p>}
      {self && (
        <p className="notice notice-warn adm-text">
          This is your own account: you may lose access to this page as soon as the change applies.
        </p>
      )}
    </ConfirmDialog>
  );
}

function CreateUserForm(props: { onCreated(user: AdminUser): void; onCancel(): void }) {
  const id = useId();
  const [name, setName] = useState('');
  const [role, setRole] = useState<AdminRole>('analyst');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const create = useAction(async (body: { name: string; role: AdminRole; password: string }) =>
    api<AdminUser>('POST', '/users', { body }),
  );

  const length = [...password].length;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (length < MIN_PASSWORD) {
      setProblem(`The password must be at least ${MIN_PASSWORD} characters (it has ${length}).`);
      return;
    }
    if (password !== confirm) {
      setProblem('The two passwords differ.');
      return;
    }
    setProblem(null);
    const answer = await create.run({ name: name.trim(), role, password });
    if (answer !== undefined) {
      setPassword('');
      setConfirm('');
      props.onCreated(answer);
    }
  };

  return (
    <form className="adm-form adm-inset" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>New account</h3>
      <div className="adm-form-grid">
        <label className="field">
          <span>Account name (a-z, 0-9, . _ - @)</span>
          <input
            required
            value={name}
            maxLength={64}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Role</span>
          <select
            value={role}
            onChange={(e) => setRole(e.target.value as AdminRole)}
            aria-describedby={`${id}-role`}
          >
            {ADMIN_ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Password (at least {MIN_PASSWORD} characters)</span>
          <input
            type="password"
            required
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-describedby={`${id}-pw`}
          />
        </label>
        <label className="field">
          <span>Confirm password</span>
          <input
            type="password"
            required
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
        </label>
      </div>
      <p className="small muted" id={`${id}-role`}>
        {role} may: {ROLE_DESCRIPTIONS[role]}.
      </p>
      <p className="small muted" id={`${id}-pw`}>
        Password: {length} of at least {MIN_PASSWORD} characters
        {confirm !== '' && password !== confirm ? '; the confirmation differs' : ''}.
      </p>
      {problem !== null && (
        <p className="notice notice-error" role="alert">
          {problem}
        </p>
      )}
      <FormFooter
        error={create.error}
        busy={create.busy}
        submit="Create account"
        busyLabel="Creating…"
        onCancel={props.onCancel}
      />
    </form>
  );
}

const TOKEN_EXPIRY = [
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days' },
  { value: '180d', label: '180 days' },
  { value: '365d', label: '1 year' },
  { value: '', label: 'Never' },
  { value: 'custom', label: 'Other…' },
];

function CreateTokenForm(props: { onCreated(token: CreatedToken): void; onCancel(): void }) {
  const id = useId();
  const [name, setName] = useState('');
  const [role, setRole] = useState<AdminRole>('analyst');
  const [expiry, setExpiry] = useState('90d');
  const [custom, setCustom] = useState('');
  const create = useAction(async (body: { name: string; role: AdminRole; expires?: string }) =>
    api<CreatedToken>('POST', '/tokens', { body }),
  );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const expires = expiry === 'custom' ? custom.trim() : expiry;
    const answer = await create.run({ name: name.trim(), role, ...(expires === '' ? {} : { expires }) });
    if (answer !== undefined) props.onCreated(answer);
  };

  return (
    <form className="adm-form adm-inset" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>New API token</h3>
      <div className="adm-form-grid">
        <label className="field">
          <span>Name (what it is for)</span>
          <input
            required
            value={name}
            maxLength={64}
            placeholder="ci-policy-deploy"
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Role</span>
          <select value={role} onChange={(e) => setRole(e.target.value as AdminRole)}>
            {ADMIN_ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Expires</span>
          <select value={expiry} onChange={(e) => setExpiry(e.target.value)}>
            {TOKEN_EXPIRY.map((x) => (
              <option key={x.label} value={x.value}>
                {x.label}
              </option>
            ))}
          </select>
        </label>
        {expiry === 'custom' && (
          <label className="field">
            <span>Expiry (12h, 45d or an ISO time)</span>
            <input
              required
              value={custom}
              maxLength={40}
              autoComplete="off"
              onChange={(e) => setCustom(e.target.value)}
            />
          </label>
        )}
      </div>
      <p className="small muted">
        The token carries the permissions of {role}: {ROLE_DESCRIPTIONS[role]}.
      </p>
      <FormFooter
        error={create.error}
        busy={create.busy}
        submit="Create token"
        busyLabel="Creating…"
        onCancel={props.onCancel}
      />
    </form>
  );
}
