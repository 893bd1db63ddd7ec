import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '@parapet/core';
import pg from 'pg';
import { createPostgresStore, createSqliteStore, type Store } from '../../src/store/index.ts';
import type { StoreUnderTest } from './store-contract.ts';

/** A full Event with every optional part filled; `overrides` replace top-level fields. */
export function makeEvent(id: string, overrides: Partial<Event> = {}): Event {
  return {
    id,
    time: '2025-03-01T12:00:00.000Z',
    principal: { keyId: 'key_1', user: 'alice', groups: ['eng', 'admins'], app: 'chat-ui', via: 'key' },
    route: 'chat.completions',
    provider: 'openai',
    modelRequested: 'gpt-4o-mini',
    modelServed: 'gpt-4o-mini-2024-07-18',
    stream: true,
    httpStatus: 200,
    status: 'success',
    errorCode: null,
    latency: { totalMs: 812.25, upstreamTtfbMs: 120.5, upstreamTotalMs: 800.125, overheadMs: 12.125 },
    usage: { inputTokens: 42, outputTokens: 7, estimated: false },
    costUsd: 0.000123456789,
    findings: {
      input: [
        {
          family: 'pii',
          type: 'EMAIL_ADDRESS',
          score: 0.99,
          segment: 1,
          span: { start: 10, end: 27 },
          detector: 'pii.regex',
          explanation: 'matched an e-mail pattern',
        },
      ],
      output: [
        { family: 'topics', type: 'legal', score: 0.5, segment: null, span: null, detector: 'topics.model' },
      ],
    },
    decision: {
      input: {
        action: 'redact',
        ruleId: 'mask-pii',
        message: 'personal data was masked',
        findings: [0],
        failures: [{ detector: 'toxicity.model', reason: 'timeout', message: 'over 50 ms' }],
        tags: ['pii'],
      },
      output: { action: 'route', ruleId: 'r2', routeTo: 'local-llama', findings: [], failures: [], tags: [] },
    },
    contentMode: 'encrypted',
    content: 'v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBB==:Q0NDQw==',
    ...overrides,
  };
}

/** A minimal Event: every nullable field null. */
export function makeBareEvent(id: string, overrides: Partial<Event> = {}): Event {
  return makeEvent(id, {
    principal: { keyId: null, user: null, groups: [], app: null, via: 'anonymous' },
    route: 'scan',
    provider: null,
    modelRequested: null,
    modelServed: null,
    stream: false,
    httpStatus: 403,
    status: 'blocked',
    errorCode: 'PARAPET_POLICY_BLOCKED',
    latency: { totalMs: 1, upstreamTtfbMs: null, upstreamTotalMs: null, overheadMs: 1 },
    usage: null,
    costUsd: null,
    findings: { input: [], output: [] },
    decision: { input: null, output: null },
    contentMode: 'none',
    content: null,
    ...overrides,
  });
}

/** A fresh temporary directory and a function that deletes it. */
export function tempDir(prefix = 'parapet-store-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The test PostgreSQL URL, or undefined (Postgres tests skip). */
export const POSTGRES_URL: string | undefined = process.env['PARAPET_TEST_POSTGRES_URL'] || undefined;

/** Skip reason for the Postgres tests when no URL is set. */
export const POSTGRES_SKIP: string | false =
  POSTGRES_URL === undefined
    ? 'set PARAPET_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run'
    : false;

/** Runs one statement on the test database with a short-lived client. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
  url: string = POSTGRES_URL as string,
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Creates an empty schema with a random name; `drop` removes it and everything in it. */
export async function createTestSchema(): Promise<{ name: string; drop(): Promise<void> }> {
  const name = `parapet_test_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(`CREATE SCHEMA ${name}`);
  return { name, drop: async () => void (await adminQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE`)) };
}

/** Polls `condition` every 20 ms until it holds; throws with `what` after `limitMs`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, limitMs = 30_000) {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A TCP proxy on loopback in front of a server, which a test can break in two ways. */
export interface TestProxy {
  port: number;
  /** Destroys every connection and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  /**
   * Closes the server side of every connection but leaves the client side looking open; the client
   * learns only when it next sends (its socket is then destroyed). New connections work.
   */
  breakSilently(): void;
  close(): Promise<void>;
}

/** Starts a TestProxy on 127.0.0.1 forwarding to `host:port`. */
export async function startProxy(host: string, port: number): Promise<TestProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket; broken: boolean }>();
  let open = true;
  const server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const pair = { client, upstream: connect(port, host), broken: false };
    pairs.add(pair);
    const end = () => {
      if (pair.broken) return;
      client.destroy();
      pair.upstream.destroy();
      pairs.delete(pair);
    };
    client.on('data', (chunk) => {
      if (pair.broken) {
        client.destroy();
        pairs.delete(pair);
      } else pair.upstream.write(chunk);
    });
    pair.upstream.on('data', (chunk) => client.write(chunk));
    for (const socket of [client, pair.upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const destroyAll = () => {
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      open = false;
      destroyAll();
    },
    restore() {
      open = true;
    },
    breakSilently() {
      for (const pair of pairs) {
        pair.broken = true;
        pair.upstream.destroy();
      }
    },
    close() {
      open = false;
      destroyAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The test PostgreSQL URL rewritten to go through `proxy`. */
export function throughProxy(url: string, proxy: TestProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}

/** A fresh SQLite store in its own temporary directory (`dir`), deleted on cleanup. */
export async function sqliteUnderTest(
  prefix?: string,
): Promise<StoreUnderTest & { dir: string; reopen(): Promise<Store> }> {
  const tmp = tempDir(prefix);
  const opened: Store[] = [createSqliteStore({ dataDir: tmp.dir })];
  return {
    dir: tmp.dir,
    store: opened[0]!,
    reopen: async () => {
      const store = createSqliteStore({ dataDir: tmp.dir });
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
      tmp.remove();
    },
  };
}

/** A fresh PostgreSQL store in its own schema (`schema`) of the shared test database, dropped on cleanup. */
export async function postgresUnderTest(): Promise<
  StoreUnderTest & { schema: string; reopen(): Promise<Store> }
> {
  const schema = await createTestSchema();
  const url = POSTGRES_URL as string;
  const opened: Store[] = [await createPostgresStore({ url, schema: schema.name })];
  return {
    schema: schema.name,
    store: opened[0]!,
    reopen: async () => {
      const store = await createPostgresStore({ url, schema: schema.name });
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
      await schema.drop();
    },
  };
}
