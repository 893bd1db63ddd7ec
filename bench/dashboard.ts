// `npm run bench:dashboard`: the analytics benchmark. Seeds 1,000,000 synthetic events over 30 days through
// the store API (`insertEvents` in batches of 1,000, so the rollups are maintained exactly as the gateway's
// recorder maintains them) into SQLite — and PostgreSQL when `--postgres URL` or PARAPET_TEST_POSTGRES_URL
// is given — then starts a gateway on that store in its own process and times the admin API over HTTP,
// one request at a time: the overview (target p95 ≤ 300 ms), breakdowns, people & apps, destinations,
// and an activity page (`GET /events`, target p95 ≤ 200 ms) when the gateway has that route. It also
// measures what the rollups cost on ingest: the same events inserted with and without them, and how
// responsive the gateway stays (`/healthz` latency) while dashboards load the heaviest overview.
//
//   npm run bench:dashboard                      # 1,000,000 events, prepends a section to bench/RESULTS.md
//   npm run bench:dashboard -- --quick           # 50,000 events, nothing written
//   npm run bench:dashboard -- --postgres postgres://postgres@127.0.0.1:5432/test
//   npm run -s bench:dashboard -- --json         # machine-readable report on stdout

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Event } from '@parapet/core';
import Database from 'better-sqlite3';
import pg from 'pg';
import { rollupRows } from '../packages/server/src/store/analytics-rollup.ts';
import { createPostgresStore, createSqliteStore } from '../packages/server/src/store/index.ts';
import { postgresRollupIngest, sqliteRollupIngest } from '../packages/server/src/store/ingest-rollups.ts';
import { applySqliteMigrations } from '../packages/server/src/store/sqlite-store.ts';
import { EVENT_COLUMNS, toEventRow } from '../packages/server/src/store/store-rows.ts';
import { syntheticBatch } from './dashboard-data.ts';
import { type ManagedProcess, startProcess, waitUntilReady } from './processes.ts';
import { prependResultsSection } from './report.ts';
import { percentile } from './stats.ts';

const OVERVIEW_TARGET_MS = 300;
const ACTIVITY_TARGET_MS = 200;
const DAYS = 30;
const BATCH = 1000;
/** The gateway's own batches: `events.batch_size` (default 200) … */
const LIVE_BATCH = 200;
/** … of traffic arriving at about the gateway's top rate on this class of machine (bench:gateway). */
const LIVE_EVENTS_PER_SECOND = 4000;
/** Each ingest variant runs this many times, interleaved; the fastest counts (other load only slows). */
const INGEST_REPEATS = 3;

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    quick: { type: 'boolean', default: false },
    postgres: { type: 'string' },
    requests: { type: 'string', default: '200' },
    'ingest-sample': { type: 'string', default: '100000' },
    json: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    [
      'npm run bench:dashboard -- [options]',
      '  --events N          events to seed (default 1000000)',
      '  --quick             50,000 events, 50 requests per scenario, nothing written',
      '  --postgres URL      also seed and measure PostgreSQL (default: PARAPET_TEST_POSTGRES_URL)',
      '  --requests N        timed requests per scenario (default 200, after 10 warm-up requests)',
      '  --ingest-sample N   events inserted with and without rollups (default 100000)',
      '  --json              JSON report on stdout',
      '  --no-write          do not prepend a section to bench/RESULTS.md',
      '',
    ].join('\n'),
  );
  process.exit(0);
}
const total = args.quick ? 50_000 : Number(args.events);
const requests = args.quick ? 50 : Number(args.requests);
const ingestSample = Math.min(total, args.quick ? 20_000 : Number(args['ingest-sample']));
const postgresUrl = args.postgres ?? (process.env['PARAPET_TEST_POSTGRES_URL'] || undefined);
for (const [name, n] of [
  ['--events', total],
  ['--requests', requests],
  ['--ingest-sample', ingestSample],
] as const) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number from 1`);
}
const log = (text: string) => process.stderr.write(`${text}\n`);

// ---------------------------------------------------------------------------------------------------
// Ingest cost: the same events inserted with and without the rollup hook, on a fresh database each.

interface IngestCost {
  events: number;
  withoutPerSecond: number;
  withPerSecond: number;
  /** Extra time per event, µs. */
  rollupUsPerEvent: number;
  overheadPercent: number;
}

function ingestCostSqlite(events: readonly Event[]): IngestCost {
  const run = (withRollups: boolean): number => {
    const dir = mkdtempSync(join(tmpdir(), 'parapet-bench-ingest-'));
    const db = new Database(join(dir, 'parapet.db'));
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      applySqliteMigrations(db);
      const insert = db.prepare(
        `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map((c) => `@${c}`).join(', ')}) ON CONFLICT (id) DO NOTHING`,
      );
      const rollups = sqliteRollupIngest(db);
      const batch = db.transaction((list: readonly Event[]) => {
        const fresh: Event[] = [];
        for (const e of list) {
          const row = toEventRow(e);
          if (insert.run({ ...row, stream: row.stream ? 1 : 0 }).changes === 1) fresh.push(e);
        }
        if (withRollups) rollups(fresh);
      });
      const t = performance.now();
      for (let i = 0; i < events.length; i += LIVE_BATCH) batch.immediate(events.slice(i, i + LIVE_BATCH));
      return performance.now() - t;
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
  run(true); // warm-up: JIT, file system
  let without = Number.POSITIVE_INFINITY;
  let withRollups = Number.POSITIVE_INFINITY;
  for (let i = 0; i < INGEST_REPEATS; i++) {
    without = Math.min(without, run(false));
    withRollups = Math.min(withRollups, run(true));
  }
  return costOf(events.length, without, withRollups);
}

async function ingestCostPostgres(url: string, events: readonly Event[]): Promise<IngestCost> {
  const types: Record<string, string> = {
    time: 'timestamptz',
    groups: 'jsonb',
    latency: 'jsonb',
    usage: 'jsonb',
    findings: 'jsonb',
    decision: 'jsonb',
    stream: 'boolean',
    http_status: 'integer',
    cost_usd: 'double precision',
  };
  const insertSql = `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) SELECT * FROM unnest(${EVENT_COLUMNS.map((c, i) => `$${i + 1}::${types[c] ?? 'text'}[]`).join(', ')}) ON CONFLICT (id) DO NOTHING RETURNING id`;
  const run = async (withRollups: boolean): Promise<number> => {
    const schema = `parapet_bench_${randomBytes(4).toString('hex')}`;
    const migrated = await createPostgresStore({ url, schema });
    await migrated.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`SET search_path TO ${schema}`);
      const q = async <R extends Record<string, unknown>>(sql: string, params?: unknown[]) =>
        (await client.query<R & pg.QueryResultRow>(sql, params)).rows;
      const t = performance.now();
      for (let i = 0; i < events.length; i += LIVE_BATCH) {
        const list = events.slice(i, i + LIVE_BATCH);
        const rows = list.map(toEventRow);
        await client.query('BEGIN');
        const inserted = await client.query<{ id: string }>(
          insertSql,
          EVENT_COLUMNS.map((c) => rows.map((r) => r[c])),
        );
        if (withRollups) {
          const fresh = new Set(inserted.rows.map((r) => r.id));
          await postgresRollupIngest(
            q,
            list.filter((e) => fresh.has(e.id)),
          );
        }
        await client.query('COMMIT');
      }
      return performance.now() - t;
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await client.end();
    }
  };
  let without = Number.POSITIVE_INFINITY;
  let withRollups = Number.POSITIVE_INFINITY;
  for (let i = 0; i < INGEST_REPEATS; i++) {
    without = Math.min(without, await run(false));
    withRollups = Math.min(withRollups, await run(true));
  }
  return costOf(events.length, without, withRollups);
}

function costOf(n: number, withoutMs: number, withMs: number): IngestCost {
  return {
    events: n,
    withoutPerSecond: Math.round((n / withoutMs) * 1000),
    withPerSecond: Math.round((n / withMs) * 1000),
    rollupUsPerEvent: round(((withMs - withoutMs) * 1000) / n),
    overheadPercent: round(((withMs - withoutMs) / withoutMs) * 100),
  };
}

// ---------------------------------------------------------------------------------------------------
// Seeding through the store API, then timing the admin API of a gateway on that store.

interface Scenario {
  name: string;
  path: string;
  /** The target this scenario is checked against, if any. */
  target?: { label: string; p95Ms: number };
}

interface ScenarioResult {
  name: string;
  path: string;
  requests: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  target?: { label: string; p95Ms: number; met: boolean };
}

interface StoreResult {
  kind: 'sqlite' | 'postgres';
  seeded: number;
  seedMs: number;
  seedPerSecond: number;
  activity: 'events route' | 'breakdown route (no GET /events route in this gateway yet)';
  /** PostgreSQL's `autovacuum` setting (the tables were vacuumed after seeding); null for SQLite. */
  autovacuum: string | null;
  scenarios: ScenarioResult[];
  responsiveness: Responsiveness;
}

/** How long the gateway takes to answer `GET /healthz` (event-loop delay), idle and while dashboards load. */
interface Responsiveness {
  path: string;
  idle: { p50Ms: number; p99Ms: number; maxMs: number };
  busy: { p50Ms: number; p99Ms: number; maxMs: number; dashboardRequests: number };
}

const HEAVY_PATH = '/analytics/overview?since=30d&bucket=hour';

/**
 * `/healthz` timed one request at a time, first idle, then while two clients keep asking for the heaviest
 * overview: the health check does no work, so its latency is how long the event loop was held.
 */
async function measureResponsiveness(url: string, token: string): Promise<Responsiveness> {
  const probe = async (n: number): Promise<number[]> => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await (await fetch(`${url}/healthz`)).text();
      times.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 5));
    }
    return times;
  };
  const stats = (xs: number[]) => ({
    p50Ms: round(percentile(xs, 50)),
    p99Ms: round(percentile(xs, 99)),
    maxMs: round(Math.max(...xs)),
  });
  await probe(20);
  const idle = await probe(requests);
  let stop = false;
  let dashboardRequests = 0;
  const load = async () => {
    while (!stop) {
      const res = await fetch(`${url}/admin/api/v1${HEAVY_PATH}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await res.text();
      dashboardRequests++;
    }
  };
  const loaders = [load(), load()];
  const busy = await probe(requests);
  stop = true;
  await Promise.all(loaders);
  return { path: '/healthz', idle: stats(idle), busy: { ...stats(busy), dashboardRequests } };
}

/**
 * `VACUUM (ANALYZE)` of every table of the schema, as autovacuum does after a large load (planner
 * statistics, and the visibility map that lets index-only scans skip the table); the test server may run
 * with autovacuum off. Returns the server's `autovacuum` setting.
 */
async function vacuumSchema(url: string, schema: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = $2',
      [schema, 'BASE TABLE'],
    );
    log(`postgres: VACUUM (ANALYZE) of ${tables.rows.length} tables…`);
    for (const t of tables.rows) await client.query(`VACUUM (ANALYZE) "${schema}"."${t.name}"`);
    return (await client.query<{ autovacuum: string }>('SHOW autovacuum')).rows[0]?.autovacuum ?? 'unknown';
  } finally {
    await client.end();
  }
}

const SCENARIOS: Scenario[] = [
  { name: 'overview, last 24 h (hour buckets)', path: '/analytics/overview?since=24h' },
  { name: 'overview, last 7 days (hour buckets)', path: '/analytics/overview?since=7d' },
  { name: 'overview, last 30 days (day buckets)', path: '/analytics/overview?since=30d' },
  {
    name: 'overview, last 30 days (hour buckets, 721 points)',
    path: '/analytics/overview?since=30d&bucket=hour',
  },
  {
    name: 'overview, last 7 days, day buckets at UTC−05:00',
    path: '/analytics/overview?since=7d&bucket=day&tz=-05:00',
  },
  { name: 'breakdown by user, last 30 days', path: '/analytics/breakdown?dimension=user&since=30d&limit=50' },
  { name: 'breakdown by group, last 7 days', path: '/analytics/breakdown?dimension=group&since=7d' },
  {
    name: 'breakdown by detection type, last 30 days',
    path: '/analytics/breakdown?dimension=type&since=30d',
  },
  { name: 'people: users by risk, last 7 days, with trend', path: '/analytics/people?kind=user&since=7d' },
  { name: 'people: apps by risk, last 30 days, with trend', path: '/analytics/people?kind=app&since=30d' },
  { name: 'destinations, last 30 days', path: '/analytics/destinations?since=30d' },
];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startGateway(
  dir: string,
  databaseUrl: string | null,
  token: string,
): Promise<{ url: string; process: ManagedProcess }> {
  const port = await freePort();
  const configPath = join(dir, 'bench-parapet.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      server: { host: '127.0.0.1', port },
      data_dir: dir,
      ...(databaseUrl === null ? {} : { database: { url: databaseUrl } }),
      admin: { token },
      logging: { level: 'warn' },
    }),
  );
  const bin = join(import.meta.dirname, '..', 'packages', 'server', 'bin', 'parapet.js');
  const child = startProcess({
    name: 'parapet',
    command: [process.execPath, bin, 'serve', '--config', configPath],
  });
  const url = `http://127.0.0.1:${port}`;
  const ready = await waitUntilReady({
    process: child,
    timeoutMs: 120_000,
    probe: async () =>
      (
        await fetch(`${url}/admin/api/v1/analytics/overview?since=1h`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status === 200,
  });
  if (!ready) {
    await child.stop();
    throw new Error(`the gateway did not start:\n${child.tail()}`);
  }
  return { url, process: child };
}

async function timeScenario(url: string, token: string, s: Scenario): Promise<ScenarioResult> {
  const call = async (): Promise<number> => {
    const t = performance.now();
    const res = await fetch(`${url}/admin/api/v1${s.path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await res.text();
    const ms = performance.now() - t;
    if (res.status !== 200) throw new Error(`${s.path} answered ${res.status}: ${body.slice(0, 300)}`);
    return ms;
  };
  for (let i = 0; i < 10; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < requests; i++) times.push(await call());
  const p95 = percentile(times, 95);
  return {
    name: s.name,
    path: s.path,
    requests: times.length,
    p50Ms: round(percentile(times, 50)),
    p95Ms: round(p95),
    p99Ms: round(percentile(times, 99)),
    maxMs: round(Math.max(...times)),
    ...(s.target === undefined ? {} : { target: { ...s.target, met: p95 <= s.target.p95Ms } }),
  };
}

async function seedAndMeasure(
  kind: 'sqlite' | 'postgres',
  startMs: number,
  spanMs: number,
): Promise<StoreResult> {
  const dir = mkdtempSync(join(tmpdir(), `parapet-bench-dashboard-${kind}-`));
  const schema = `parapet_bench_${randomBytes(4).toString('hex')}`;
  let databaseUrl: string | null = null;
  if (kind === 'postgres') {
    const parsed = new URL(postgresUrl as string);
    parsed.searchParams.set('schema', schema);
    databaseUrl = parsed.toString();
  }
  let gateway: ManagedProcess | null = null;
  try {
    const store =
      kind === 'sqlite'
        ? createSqliteStore({ dataDir: dir })
        : await createPostgresStore({ url: postgresUrl as string, schema });
    log(`${kind}: seeding ${total.toLocaleString('en-US')} events…`);
    const t = performance.now();
    for (let i = 0; i < total; i += BATCH) {
      await store.insertEvents(syntheticBatch(i, Math.min(BATCH, total - i), total, startMs, spanMs));
      if ((i / BATCH) % 100 === 99) log(`  ${(i + BATCH).toLocaleString('en-US')} events`);
    }
    const seedMs = performance.now() - t;
    const seeded = await store.countEvents();
    await store.close();
    log(`${kind}: ${seeded.toLocaleString('en-US')} events stored in ${(seedMs / 1000).toFixed(1)} s`);
    let autovacuum: string | null = null;
    if (kind === 'postgres') autovacuum = await vacuumSchema(postgresUrl as string, schema);

    const token = randomBytes(16).toString('hex');
    const started = await startGateway(dir, databaseUrl, token);
    gateway = started.process;
    const probe = await fetch(`${started.url}/admin/api/v1/events?limit=50`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await probe.text();
    const hasEvents = probe.status === 200;
    const scenarios: Scenario[] = SCENARIOS.map((s) =>
      s.path.startsWith('/analytics/overview')
        ? { ...s, target: { label: 'overview', p95Ms: OVERVIEW_TARGET_MS } }
        : s,
    );
    scenarios.push(
      hasEvents
        ? {
            name: 'activity page: newest 50 events',
            path: '/events?limit=50',
            target: { label: 'activity page', p95Ms: ACTIVITY_TARGET_MS },
          }
        : {
            name: 'activity stand-in: breakdown by user, last 24 h',
            path: '/analytics/breakdown?dimension=user&since=24h&limit=50',
            target: { label: 'activity page (stand-in)', p95Ms: ACTIVITY_TARGET_MS },
          },
    );
    const results: ScenarioResult[] = [];
    for (const s of scenarios) {
      const r = await timeScenario(started.url, token, s);
      log(`  ${r.name}: p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms`);
      results.push(r);
    }
    const responsiveness = await measureResponsiveness(started.url, token);
    log(
      `  /healthz p99: idle ${responsiveness.idle.p99Ms} ms, while dashboards load ${responsiveness.busy.p99Ms} ms`,
    );
    return {
      kind,
      seeded,
      seedMs: round(seedMs),
      seedPerSecond: Math.round((seeded / seedMs) * 1000),
      activity: hasEvents ? 'events route' : 'breakdown route (no GET /events route in this gateway yet)',
      autovacuum,
      scenarios: results,
      responsiveness,
    };
  } finally {
    await gateway?.stop();
    if (kind === 'postgres') {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function machine(): string {
  return `${cpus()[0]?.model ?? 'unknown CPU'} ×${availableParallelism()}, Linux ${release()}, Node ${process.version}`;
}

interface Report {
  date: string;
  machine: string;
  loadAverage: { start: number; end: number };
  events: number;
  days: number;
  ingest: { sqlite: IngestCost; postgres: IngestCost | null; js: JsCost };
  stores: StoreResult[];
}

/** The JavaScript part of the rollups: summing a batch into rows, µs per event. */
interface JsCost {
  /** The SQLite path (in the writer thread). */
  unsortedUs: number;
  /** The PostgreSQL path (rows sorted by key; on the gateway's event loop). */
  sortedUs: number;
}

function jsCost(events: readonly Event[]): JsCost {
  const time = (sorted: boolean): number => {
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < INGEST_REPEATS + 1; r++) {
      const t = performance.now();
      for (let i = 0; i < events.length; i += LIVE_BATCH)
        rollupRows(events.slice(i, i + LIVE_BATCH), { sorted });
      best = Math.min(best, performance.now() - t);
    }
    return round((best * 1000) / events.length);
  };
  return { unsortedUs: time(false), sortedUs: time(true) };
}

function section(r: Report): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const lines = [
    `## Dashboard analytics — ${r.date.slice(0, 19)}Z`,
    '',
    `Produced by \`npm run bench:dashboard\` on ${r.machine}; 1-minute load average ${r.loadAverage.start} at start, ${r.loadAverage.end} at end. ${n(r.events)} synthetic events over ${r.days} days (2,000 users, 12 teams, 20 apps, 8 models; PII, secrets, attacks, topics, code; every outcome) stored through \`insertEvents\` in batches of ${n(BATCH)}, which maintains the rollups as the gateway does. Then a gateway on that store, in its own process, is asked over HTTP, one request at a time (${n(requests)} timed requests per row after 10 warm-up requests).`,
    '',
  ];
  for (const s of r.stores) {
    lines.push(
      `### ${s.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} — ${n(s.seeded)} events (seeded in ${(s.seedMs / 1000).toFixed(1)} s, ${n(s.seedPerSecond)} events/s)`,
      '',
      '| request | p50 ms | p95 ms | p99 ms | max ms | target |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      ...s.scenarios.map(
        (x) =>
          `| ${x.name} (\`${x.path}\`) | ${x.p50Ms} | ${x.p95Ms} | ${x.p99Ms} | ${x.maxMs} | ${x.target === undefined ? '' : `${x.target.label} p95 ≤ ${x.target.p95Ms} ms ${x.target.met ? '✅' : '❌'}`} |`,
      ),
      '',
    );
    const rs = s.responsiveness;
    lines.push(
      `Gateway responsiveness while dashboards load: \`GET /healthz\` (no work, so its latency is how long the event loop was held), ${n(requests)} requests one at a time, idle and then while two clients keep asking for \`${HEAVY_PATH}\` (${n(rs.busy.dashboardRequests)} of them meanwhile).`,
      '',
      '| /healthz | p50 ms | p99 ms | max ms |',
      '| --- | ---: | ---: | ---: |',
      `| idle | ${rs.idle.p50Ms} | ${rs.idle.p99Ms} | ${rs.idle.maxMs} |`,
      `| while dashboards load | ${rs.busy.p50Ms} | ${rs.busy.p99Ms} | ${rs.busy.maxMs} |`,
      '',
    );
    if (s.autovacuum !== null) {
      lines.push(
        `After seeding, every table of the schema was vacuumed and analysed (\`VACUUM (ANALYZE)\`), as autovacuum does after a large load (this server runs with \`autovacuum = ${s.autovacuum}\`): planner statistics, and the visibility map that lets index-only scans skip the table.`,
        '',
      );
    }
    if (s.activity !== 'events route') {
      lines.push(
        'The gateway had no `GET /admin/api/v1/events` route when this ran, so the activity-page target was checked on a breakdown request instead.',
        '',
      );
    }
  }
  lines.push(
    '### Ingest cost of the rollups',
    '',
    `Live traffic as the gateway records it: ${n(LIVE_EVENTS_PER_SECOND)} events per second (about the gateway's top rate on this machine class, see the gateway benchmark) in its batches of ${LIVE_BATCH} (\`events.batch_size\`), inserted into a fresh database with the events insert alone, then with the rollup upserts in the same transaction — one connection, no writer thread, so the difference is the rollups alone; each variant runs ${INGEST_REPEATS} times, interleaved, and the fastest run counts. The seeding rows above are the harder case: history spread over ${r.days} days, so a batch of ${n(BATCH)} spans about ${Math.round((r.days * 1440 * BATCH) / r.events)} minutes and shares few rollup rows.`,
    '',
    '| store | events | without rollups | with rollups | rollups per event | overhead |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [name, c] of [
    ['SQLite', r.ingest.sqlite],
    ['PostgreSQL', r.ingest.postgres],
  ] as const) {
    if (c === null) continue;
    lines.push(
      `| ${name} | ${n(c.events)} | ${n(c.withoutPerSecond)} events/s | ${n(c.withPerSecond)} events/s | ${c.rollupUsPerEvent} µs | +${c.overheadPercent} % |`,
    );
  }
  const sqlite = r.ingest.sqlite;
  const js = r.ingest.js;
  lines.push(
    '',
    `Of the rollups' time, summing a batch into rows in JavaScript takes ${js.unsortedUs} µs per event (${js.sortedUs} µs with the rows sorted by key, as the PostgreSQL path writes them); the rest is the upserts.`,
    '',
    `What it means for the gateway: events are written after the answer has been sent, in batches — by the SQLite writer thread, or on the PostgreSQL pool — so no request waits for the rollups. With them, one SQLite writer still stores ${n(sqlite.withPerSecond)} events/s, ${(sqlite.withPerSecond / LIVE_EVENTS_PER_SECOND).toFixed(1)}× the gateway's top rate, and at that rate it is busy ${Math.round((LIVE_EVENTS_PER_SECOND / sqlite.withPerSecond) * 100)} % of the time instead of ${Math.round((LIVE_EVENTS_PER_SECOND / sqlite.withoutPerSecond) * 100)} % (a thread of its own, not the event loop). With PostgreSQL the upserts run in the database server, and the gateway's event loop spends the ${js.sortedUs} µs of JavaScript per event summing rows (${Math.round((js.sortedUs * LIVE_EVENTS_PER_SECOND) / 1000) / 10} % of a core at ${n(LIVE_EVENTS_PER_SECOND)} events/s) plus what the \`pg\` driver takes to encode the rows as parameters (not measured apart: it is in the upserts' time).`,
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const loadStart = round(loadavg()[0] ?? 0);
  // The newest event a minute ago; the oldest DAYS days before.
  const spanMs = DAYS * 86_400_000;
  const startMs = Date.now() - spanMs - 60_000;

  log(`ingest cost: ${ingestSample.toLocaleString('en-US')} events with and without rollups…`);
  // Live traffic: the sample arrives at LIVE_EVENTS_PER_SECOND, ending now, in the gateway's batches.
  const sample: Event[] = [];
  const liveSpanMs = (ingestSample / LIVE_EVENTS_PER_SECOND) * 1000;
  for (let i = 0; i < ingestSample; i += BATCH) {
    sample.push(
      ...syntheticBatch(
        i,
        Math.min(BATCH, ingestSample - i),
        ingestSample,
        Date.now() - liveSpanMs,
        liveSpanMs,
      ),
    );
  }
  const js = jsCost(sample);
  log(`  JavaScript: ${js.unsortedUs} µs per event (${js.sortedUs} µs sorted)`);
  const sqliteCost = ingestCostSqlite(sample);
  log(`  SQLite: ${sqliteCost.withoutPerSecond} → ${sqliteCost.withPerSecond} events/s`);
  const postgresCost = postgresUrl === undefined ? null : await ingestCostPostgres(postgresUrl, sample);
  if (postgresCost !== null)
    log(`  PostgreSQL: ${postgresCost.withoutPerSecond} → ${postgresCost.withPerSecond} events/s`);
  sample.length = 0;

  const stores: StoreResult[] = [await seedAndMeasure('sqlite', startMs, spanMs)];
  if (postgresUrl !== undefined) stores.push(await seedAndMeasure('postgres', startMs, spanMs));

  const report: Report = {
    date: new Date().toISOString(),
    machine: machine(),
    loadAverage: { start: loadStart, end: round(loadavg()[0] ?? 0) },
    events: total,
    days: DAYS,
    ingest: { sqlite: sqliteCost, postgres: postgresCost, js },
    stores,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${section(report)}\n`);
  if (!args.quick && !args['no-write']) {
    prependResultsSection(join(import.meta.dirname, 'RESULTS.md'), section(report));
    log('prepended a section to bench/RESULTS.md');
  }
}

await main();
