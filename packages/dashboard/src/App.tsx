/**
 * The shell: who is signed in (or the sign-in form), the navigation, the theme, keyboard shortcuts, and
 * the page for the current hash route. Pages a role cannot use are not offered; the API refuses them
 * anyway (the dashboard is a convenience over the admin API, never the access control).
 */
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ApiError, api, can, type Session, setApiToken, setCsrfToken } from './api.ts';
import { ErrorNotice, Loading } from './components/ui.tsx';
import { toError } from './hooks.ts';
import { ActivityPage } from './pages/Activity.tsx';
import { ApprovalsPage } from './pages/Approvals.tsx';
import { DiscoveryPage } from './pages/Discovery.tsx';
import { EventDetailPage } from './pages/EventDetail.tsx';
import { FairnessPage } from './pages/Fairness.tsx';
import { KeysPage } from './pages/Keys.tsx';
import { OverviewPage } from './pages/Overview.tsx';
import { PeoplePage } from './pages/People.tsx';
import { PoliciesPage } from './pages/Policies.tsx';
import { SettingsPage } from './pages/Settings.tsx';
import { UsersPage } from './pages/Users.tsx';
import { navigate, type Route, useRoute } from './router.ts';
import { ThemeToggle } from './theme.tsx';

interface NavItem {
  path: string;
  label: string;
  /** The permission the page needs; the item is hidden without it. */
  permission: string;
  /** Keyboard shortcut after `g`. */
  key: string;
  render(session: Session, route: Route): React.ReactNode;
}

const NAV: readonly NavItem[] = [
  {
    path: '',
    label: 'Overview',
    permission: 'analytics.read',
    key: 'o',
    render: (s, r) => <OverviewPage session={s} route={r} />,
  },
  {
    path: 'activity',
    label: 'Activity',
    permission: 'events.read',
    key: 'a',
    render: (s, r) => <ActivityPage session={s} route={r} />,
  },
  {
    path: 'people',
    label: 'People & apps',
    permission: 'analytics.read',
    key: 'p',
    render: (s, r) => <PeoplePage session={s} route={r} />,
  },
  {
    path: 'fairness',
    label: 'Fairness',
    permission: 'analytics.read',
    key: 'f',
    render: (s, r) => <FairnessPage session={s} route={r} />,
  },
  {
    path: 'policies',
    label: 'Policies',
    permission: 'policies.read',
    key: 'l',
    render: (s, r) => <PoliciesPage session={s} route={r} />,
  },
  {
    path: 'approvals',
    label: 'Approvals',
    permission: 'approvals.read',
    key: 'r',
    render: (s, r) => <ApprovalsPage session={s} route={r} />,
  },
  {
    path: 'discovery',
    label: 'Discovery',
    permission: 'discovery.read',
    key: 'd',
    render: (s, r) => <DiscoveryPage session={s} route={r} />,
  },
  {
    path: 'keys',
    label: 'Keys',
    permission: 'keys.read',
    key: 'k',
    render: (s, r) => <KeysPage session={s} route={r} />,
  },
  {
    path: 'users',
    label: 'Users & tokens',
    permission: 'users.read',
    key: 'u',
    render: (s, r) => <UsersPage session={s} route={r} />,
  },
  {
    path: 'settings',
    label: 'Settings',
    permission: 'settings.read',
    key: 's',
    render: (s, r) => <SettingsPage session={s} route={r} />,
  },
];

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [state, setState] = useState<'loading' | 'signed-out' | 'signed-in' | 'off'>('loading');
  const [error, setError] = useState<Error | null>(null);

  const check = useCallback(async () => {
    try {
      const s = await api<Session>('GET', '/session');
      setCsrfToken(s.csrfToken ?? null);
      setSession(s);
      setState('signed-in');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setApiToken(null);
        setState('signed-out');
      } else if (err instanceof ApiError && err.status === 404) setState('off');
      else {
        setError(toError(err));
        setState('signed-out');
      }
    }
  }, []);

  useEffect(() => {
    void check();
  }, [check]);

  const signOut = useCallback(async () => {
    try {
      if (session?.kind === 'user') await api('DELETE', '/session');
    } catch {
      // The session may already have ended; signing out locally is what matters.
    }
    setApiToken(null);
    setCsrfToken(null);
    setSession(null);
    setState('signed-out');
  }, [session]);

  if (state === 'loading') return <Loading label="Connecting to the admin API…" />;
  if (state === 'off') return <AdminOff />;
  if (state === 'signed-out' || session === null)
    return (
      <SignIn
        error={error}
        onSignedIn={(s) => {
          setSession(s);
          setState('signed-in');
        }}
      />
    );
  return <Shell session={session} onSignOut={signOut} />;
}

function Shell(props: { session: Session; onSignOut(): void }) {
  const route = useRoute();
  const items = NAV.filter((n) => can(props.session, n.permission));
  const first = route.parts[0] ?? '';
  useShortcuts(items);

  let content: React.ReactNode;
  if (first === 'events' && route.parts[1] !== undefined && can(props.session, 'events.read')) {
    content = <EventDetailPage session={props.session} route={route} />;
  } else {
    const item = items.find((n) => n.path === first) ?? (first === '' ? items[0] : undefined);
    content =
      item === undefined ? (
        <section className="page">
          <h1>Not available</h1>
          <p>
            This page does not exist, or your role (<strong>{props.session.role}</strong>) cannot open it.
          </p>
        </section>
      ) : (
        item.render(props.session, route)
      );
  }
  const current = first === 'events' ? 'activity' : first === '' ? (items[0]?.path ?? '') : first;

  return (
    <div className="shell">
      <button type="button" className="skip-link" onClick={skipToMain}>
        Skip to content
      </button>
      <header className="topbar">
        <a className="brand" href="#/">
          Parapet
        </a>
        <div className="topbar-right">
          <span className="who" data-testid="who">
            {props.session.user} <span className="badge badge-neutral">{props.session.role}</span>
          </span>
          <ThemeToggle />
          <button type="button" className="btn btn-small" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <nav className="sidebar" aria-label="Main">
        <ul>
          {items.map((n) => (
            <li key={n.path}>
              <a
                href={`#/${n.path}`}
                aria-current={n.path === current ? 'page' : undefined}
                title={`g ${n.key}`}
              >
                {n.label}
              </a>
            </li>
          ))}
        </ul>
        <p className="muted small shortcuts-hint">
          Keys: <kbd>g</kbd> then a letter goes to a page; <kbd>/</kbd> focuses search.
        </p>
      </nav>
      <main id="main" tabIndex={-1}>
        {content}
      </main>
    </div>
  );
}

function skipToMain() {
  document.getElementById('main')?.focus();
}

/** `g` then a page's letter navigates; `/` focuses the page's search box (`[data-search]`). */
function useShortcuts(items: readonly NavItem[]) {
  useEffect(() => {
    let armed = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t !== null && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === '/') {
        const search = document.querySelector<HTMLElement>('[data-search]');
        if (search !== null) {
          e.preventDefault();
          search.focus();
        }
        return;
      }
      if (armed) {
        armed = false;
        const item = items.find((n) => n.key === e.key);
        if (item !== undefined) {
          e.preventDefault();
          navigate(`#/${item.path}`);
        }
        return;
      }
      if (e.key === 'g') {
        armed = true;
        clearTimeout(timer);
        timer = setTimeout(() => {
          armed = false;
        }, 1500);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      clearTimeout(timer);
    };
  }, [items]);
}

function SignIn(props: { error: Error | null; onSignedIn(session: Session): void }) {
  const [mode, setMode] = useState<'password' | 'token'>('password');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(props.error);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      let s: Session;
      if (mode === 'password') {
        s = await api<Session>('POST', '/session', { body: { name, password } });
      } else {
        setApiToken(token.trim());
        s = await api<Session>('GET', '/session');
      }
      setCsrfToken(s.csrfToken ?? null);
      setPassword('');
      setToken('');
      props.onSignedIn(s);
    } catch (err) {
      if (mode === 'token') setApiToken(null);
      setError(toError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <form className="card signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Parapet</h1>
        <div className="segmented" role="radiogroup" aria-label="Sign in with">
          <label>
            <input
              type="radio"
              name="mode"
              checked={mode === 'password'}
              onChange={() => setMode('password')}
            />
            Account
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === 'token'} onChange={() => setMode('token')} />
            API token
          </label>
        </div>
        {mode === 'password' ? (
          <>
            <label className="field">
              <span>Account name</span>
              <input
                name="name"
                autoComplete="username"
                required
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            </label>
            <label className="field">
              <span>Password</span>
              <input
                name="password"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
          </>
        ) : (
          <label className="field">
            <span>API token or admin token</span>
            <input
              name="token"
              type="password"
              autoComplete="off"
              required
              value={token}
              onChange={(e) => setToken(e.target.value)}
            />
          </label>
        )}
        <ErrorNotice error={error} />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">
          Accounts are created with <code>npx parapet users add NAME --role ROLE</code>.
        </p>
      </form>
    </main>
  );
}

function AdminOff() {
  return (
    <main className="signin" id="main">
      <section className="card signin-card">
        <h1>The admin API is off</h1>
        <p>
          This gateway has no admin account and no <code>admin.token</code>. Create an account with{' '}
          <code>npx parapet users add NAME --role admin</code> (the password is read from stdin), then reload.
        </p>
      </section>
    </main>
  );
}
