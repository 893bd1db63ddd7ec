import { useCallback, useEffect, useRef, useState } from 'react';
import { type ApiError, api, type Query } from './api.ts';

export interface Loaded<T> {
  data: T | null;
  error: ApiError | Error | null;
  loading: boolean;
  /** Fetch again (after a change). */
  reload(): void;
}

/**
 * GETs an admin API path and re-fetches when the path or query changes; an older answer that arrives
 * late never replaces a newer one (each fetch is aborted when the next starts). `path` null = no fetch.
 */
export function useApi<T>(path: string | null, query: Query = {}): Loaded<T> {
  const key = path === null ? null : `${path}?${JSON.stringify(query)}`;
  const [state, setState] = useState<{ key: string | null; data: T | null; error: Error | null }>({
    key: null,
    data: null,
    error: null,
  });
  const [tick, setTick] = useState(0);
  const queryRef = useRef(query);
  queryRef.current = query;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for path and query; tick re-runs.
  useEffect(() => {
    if (path === null) return;
    const abort = new AbortController();
    api<T>('GET', path, { query: queryRef.current, signal: abort.signal }).then(
      (data) => setState({ key, data, error: null }),
      (error: unknown) => {
        if (abort.signal.aborted) return;
        setState((s) => ({ key, data: s.key === key ? s.data : null, error: toError(error) }));
      },
    );
    return () => abort.abort();
  }, [key, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const current = state.key === key;
  return {
    data: current ? state.data : null,
    error: current ? state.error : null,
    loading: path !== null && (!current || (state.data === null && state.error === null)),
    reload,
  };
}

export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Runs an admin API action, tracking whether it is in flight and its error. */
export function useAction<A extends unknown[], R>(
  run: (...args: A) => Promise<R>,
): { busy: boolean; error: Error | null; run(...args: A): Promise<R | undefined>; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const runRef = useRef(run);
  runRef.current = run;
  const go = useCallback(async (...args: A) => {
    setBusy(true);
    setError(null);
    try {
      return await runRef.current(...args);
    } catch (err) {
      setError(toError(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run: go, clear: useCallback(() => setError(null), []) };
}

/** A value that follows `value` after it stopped changing for `ms` (search boxes). */
export function useDebounced<T>(value: T, ms: number): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setCurrent(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return current;
}
