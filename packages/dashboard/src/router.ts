/**
 * Hash routes (`#/activity?user=ada`), so the gateway serves the dashboard from `/` alone and deep links
 * survive a reload without a server-side fallback.
 */
import { useEffect, useState } from 'react';

export interface Route {
  /** Path segments after `#/`: `['events', 'evt_…']`. */
  parts: string[];
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { parts, params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

export function useRoute(): Route {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return parseHash(hash);
}

/** `#/events/evt_1?x=1` from parts and params (empty params left out). */
export function href(
  parts: readonly string[],
  params: Readonly<Record<string, string | undefined>> = {},
): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, v);
  const qs = search.toString();
  return `#/${parts.map(encodeURIComponent).join('/')}${qs === '' ? '' : `?${qs}`}`;
}

/** Goes to a route; `replace` keeps the history entry (filters typed into a form). */
export function navigate(to: string, replace = false): void {
  if (replace) {
    window.history.replaceState(null, '', to);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else window.location.hash = to.slice(1);
}
