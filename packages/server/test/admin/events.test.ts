/**
 * The events part of the admin API over real HTTP, on SQLite and on PostgreSQL: requests go through a real
 * gateway (detectors, policy, encrypted content), then the Activity list, filters, text search, paging,
 * the interaction detail, the audited reveal, labels and exports are checked — including that the
 * plaintext of a masked value is never in a redacted answer, and that `<script>` stays data.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { benchActivityPage } from '../../src/admin/events/activity-bench.ts';
import { CSV_COLUMNS } from '../../src/admin/events/export.ts';
import { EventDetail, EventPage, EventSummary, RevealedEvent } from '../../src/admin/events/schemas.ts';
import { createTestSchema, POSTGRES_SKIP, POSTGRES_URL } from '../store/store-fixtures.ts';
import {
  type AdminCall,
  type AdminSetup,
  adminTestConfig,
  assertAdminError,
  assertShape,
  startAdminSetup,
} from './admin-helpers.ts';

const EMAIL = 'alice@example.com';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const SCRIPT = '<script>alert(1)</script> and <img src=x onerror=alert(2)>';
const FORMULA_USER = '=HYPERLINK("http://evil.example/x","click")';

const POLICY = {
  default: 'allow',
  rules: [
    { id: 'block-secrets', when: { direction: 'input', detections: { secrets: {} } }, action: 'block' },
    { id: 'tokenize-pii', when: { direction: 'input', detections: { pii: {} } }, action: 'redact' },
  ],
};

/** Parses CSV (RFC 4180, CRLF rows) into rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

async function chat(s: AdminSetup, key: string, content: string, stream = false): Promise<number> {
  const res = await fetch(`${s.gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content }] }),
  });
  await res.text();
  return res.status;
}

async function rawGet(
  s: AdminSetup,
  path: string,
  token: string,
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${s.gw.url}/admin/api/v1${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function runEventRoutes(
  name: string,
  database: () => Promise<{ url: string | null; drop(): Promise<void> }>,
  skip: string | false = false,
) {
  describe(`events admin API (${name})`, { skip }, () => {
    let s: AdminSetup;
    let api: AdminCall;
    let db: { url: string | null; drop(): Promise<void> };
    let analyst: string;
    let reviewer: string;
    const ids: Record<'pii' | 'secret' | 'stream' | 'script' | 'formula', string> = {
      pii: '',
      secret: '',
      stream: '',
      script: '',
      formula: '',
    };

    before(async () => {
      db = await database();
      s = await startAdminSetup({
        config: (mock) =>
          adminTestConfig(mock, {
            policy: POLICY,
            ...(db.url === null ? {} : { database: { url: db.url } }),
          }),
      });
      api = s.api;
      const token = async (tokenName: string, role: string) => {
        const res = await api('POST', '/tokens', { name: tokenName, role });
        assert.equal(res.status, 201, JSON.stringify(res.json));
        return res.json.token as string;
      };
      analyst = await token('analyst-1', 'analyst');
      reviewer = await token('reviewer-1', 'reviewer');

      const key = s.gw.key;
      assert.equal(await chat(s, key, `please email ${EMAIL} about the quarterly revenue`), 200);
      assert.equal(await chat(s, key, `my key is ${AWS_KEY}`), 403);
      assert.equal(await chat(s, key, 'tell me about the lawsuit', true), 200);
      assert.equal(await chat(s, key, SCRIPT), 200);
      const other = await s.gw.createKey({ user: FORMULA_USER, groups: ['+finance'], app: '@sheet' });
      assert.equal(await chat(s, other.key, '-2+3 is the sum'), 200);
      const events = await s.gw.waitForEvents(5);
      assert.equal(events.length, 5);
      [ids.pii, ids.secret, ids.stream, ids.script, ids.formula] = events.map((e) => e.id) as [
        string,
        string,
        string,
        string,
        string,
      ];
    });

    after(async () => {
      await s?.close();
      await db?.drop();
    });

    const list = async (query: string, token?: string): Promise<string[]> => {
      const res = await api('GET', `/events${query}`, undefined, token === undefined ? {} : { token });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assertShape(EventPage, res.json);
      return res.json.events.map((e: { id: string }) => e.id);
    };

    test('the list: every event, newest first, summaries with no plaintext of masked values', async () => {
      const res = await api('GET', '/events');
      assert.equal(res.status, 200);
      assertShape(EventPage, res.json);
      const got = res.json.events as EventSummary[];
      assert.deepEqual(
        got.map((e) => e.id),
        [ids.formula, ids.script, ids.stream, ids.secret, ids.pii],
      );
      assert.equal(res.json.nextCursor, null);
      const byId = new Map(got.map((e) => [e.id, e]));
      assert.equal(byId.get(ids.secret)?.action, 'blocked');
      assert.deepEqual(byId.get(ids.secret)?.rules, ['block-secrets']);
      assert.equal(byId.get(ids.pii)?.action, 'redacted');
      assert.deepEqual(byId.get(ids.pii)?.topics, ['finance']);
      assert.match(
        byId.get(ids.pii)?.preview?.input ?? '',
        /^please email \[EMAIL_ADDRESS\] about the \[finance\]$/,
      );
      assert.equal(byId.get(ids.script)?.preview?.input, SCRIPT);
      const text = JSON.stringify(res.json);
      assert.ok(!text.includes(EMAIL), 'no e-mail address');
      assert.ok(!text.includes(AWS_KEY), 'no access key');
      // An analyst sees the same list.
      assert.equal((await list('', analyst)).length, 5);
    });

    test('each filter, and filters combined', async () => {
      assert.deepEqual(await list('?action=blocked'), [ids.secret]);
      assert.deepEqual(await list('?action=redacted'), [ids.pii]);
      assert.deepEqual(await list('?family=pii'), [ids.pii]);
      assert.deepEqual(await list('?type=AWS_ACCESS_KEY'), [ids.secret]);
      assert.deepEqual(await list('?topic=legal'), [ids.stream]);
      assert.deepEqual(await list('?rule=tokenize-pii'), [ids.pii]);
      assert.deepEqual(await list('?status=blocked'), [ids.secret]);
      assert.deepEqual(await list('?user=alice&family=topics'), [ids.stream, ids.pii]);
      assert.deepEqual(await list(`?user=${encodeURIComponent(FORMULA_USER)}`), [ids.formula]);
      assert.deepEqual(await list('?group=%2Bfinance'), [ids.formula]);
      assert.deepEqual(await list('?app=tests&model=gpt-4o-mini'), [
        ids.script,
        ids.stream,
        ids.secret,
        ids.pii,
      ]);
      assert.deepEqual(await list('?since=1h&until=2999-01-01'), [
        ids.formula,
        ids.script,
        ids.stream,
        ids.secret,
        ids.pii,
      ]);
      assert.deepEqual(await list('?until=2000-01-01'), []);
      assert.deepEqual(await list('?user=nobody'), []);
    });

    test('text search finds the redacted text, never the plaintext of a masked value', async () => {
      assert.deepEqual(await list('?q=please%20about'), [ids.pii]);
      // The topic's words were masked as well: only its placeholder is searchable.
      assert.deepEqual(await list('?q=quarterly'), []);
      assert.deepEqual(await list('?q=finance'), [ids.pii]);
      assert.deepEqual(await list('?q=EMAIL_ADDRESS'), [ids.pii]);
      assert.deepEqual(await list('?q=TELL%20leg*'), [ids.stream]);
      assert.deepEqual(await list('?q=onerror%20script'), [ids.script]);
      assert.deepEqual(await list('?q=please&family=pii'), [ids.pii]);
      for (const secret of [EMAIL, 'alice', 'example', AWS_KEY, 'akia', 'AKIAIOSFODNN7']) {
        assert.deepEqual(await list(`?q=${encodeURIComponent(secret)}`), [], secret);
      }
    });

    test('paging with the cursor visits every event once', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const got = await api('GET', `/events?limit=2${after === null ? '' : `&after=${after}`}`);
        assert.equal(got.status, 200);
        seen.push(...got.json.events.map((e: { id: string }) => e.id));
        after = got.json.nextCursor;
      } while (after !== null);
      assert.deepEqual(seen, [ids.formula, ids.script, ids.stream, ids.secret, ids.pii]);
    });

    test('bad query parameters are 400 PARAPET_REQUEST_INVALID', async () => {
      for (const q of [
        'limit=0',
        'limit=1001',
        'action=bogus',
        'after=abc',
        'since=yesterday',
        'q=!!!',
        'label=Bad',
        'colour=red',
        'status=fine',
      ]) {
        assertAdminError(await api('GET', `/events?${q}`), 400, 'PARAPET_REQUEST_INVALID');
      }
    });

    test('the detail: redacted conversation with highlighted spans, the decision trace, latency and tokens', async () => {
      const res = await api('GET', `/events/${ids.pii}`);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assertShape(EventDetail, res.json);
      const d = res.json as EventDetail;
      assert.ok(!JSON.stringify(d).includes(EMAIL), 'no e-mail address anywhere in the detail');
      assert.equal(d.action, 'redacted');
      assert.equal(d.trace.input?.action, 'redact');
      assert.equal(typeof d.latency.totalMs, 'number');
      assert.ok(d.usage !== null && d.usage.inputTokens > 0);
      assert.ok(d.content.available);
      if (!d.content.available) return;
      assert.equal(d.content.from, 'encrypted');
      assert.deepEqual(d.content.withheld, []);
      const [input] = d.content.input;
      assert.equal(input?.text, 'please email [EMAIL_ADDRESS] about the [finance]');
      const marks = (input?.highlights ?? []).map((h) => ({
        text: input!.text.slice(h.start, h.end),
        family: h.family,
        rules: h.ruleIds,
      }));
      assert.deepEqual(marks, [
        { text: '[EMAIL_ADDRESS]', family: 'pii', rules: ['tokenize-pii'] },
        { text: '[finance]', family: 'topics', rules: [] },
      ]);
      const pii = d.findings.input.find((f) => f.family === 'pii');
      assert.deepEqual(pii?.ruleIds, ['tokenize-pii']);
      // The model saw a placeholder, and its answer's topic is masked too.
      const [output] = d.content.output;
      assert.ok(output !== undefined);
      assert.ok(output.text.startsWith('Mock reply to: please email '));
      assert.ok(output.text.endsWith('about the [finance]'));
      assert.deepEqual(
        output.highlights.map((h) => output.text.slice(h.start, h.end)),
        ['[finance]'],
      );
    });

    test('the detail of a streamed answer highlights its output findings', async () => {
      const res = await api('GET', `/events/${ids.stream}`, undefined, { token: analyst });
      assert.equal(res.status, 200);
      const d = res.json as EventDetail;
      assert.ok(d.content.available);
      if (!d.content.available) return;
      const [output] = d.content.output;
      assert.equal(output?.text, 'Mock reply to: tell me about the [legal]');
      assert.deepEqual(
        output?.highlights.map((h) => [h.family, h.type, output.text.slice(h.start, h.end)]),
        [['topics', 'legal', '[legal]']],
      );
    });

    test('a `<script>` payload stays data in the JSON detail', async () => {
      const res = await api('GET', `/events/${ids.script}`);
      assert.equal(res.headers.get('content-type'), 'application/json');
      const d = res.json as EventDetail;
      assert.ok(d.content.available);
      if (d.content.available) assert.equal(d.content.input[0]?.text, SCRIPT);
    });

    test('an unknown event is 404', async () => {
      assertAdminError(await api('GET', '/events/evt_nope'), 404, 'PARAPET_ADMIN_NOT_FOUND');
      assertAdminError(await api('POST', '/events/evt_nope/reveal', {}), 404, 'PARAPET_ADMIN_NOT_FOUND');
    });

    test('reveal: the decrypted content with spans, recorded in the audit trail; an analyst may not', async () => {
      assertAdminError(
        await api('POST', `/events/${ids.pii}/reveal`, {}, { token: analyst }),
        403,
        'PARAPET_ADMIN_FORBIDDEN',
      );
      const before = await api('GET', '/audit?action=events.reveal');
      assert.equal(before.json.entries.length, 0, 'a refused reveal records nothing');

      const res = await api('POST', `/events/${ids.pii}/reveal`, { reason: 'incident 42' });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assertShape(RevealedEvent, res.json);
      assert.equal(
        res.json.content.request.messages[0].content,
        `please email ${EMAIL} about the quarterly revenue`,
      );
      const [input] = res.json.input;
      assert.deepEqual(
        input.highlights.map((h: { start: number; end: number }) => input.text.slice(h.start, h.end)),
        [EMAIL, 'quarterly revenue'],
      );
      const audit = await api('GET', '/audit?action=events.reveal');
      assert.equal(audit.json.entries.length, 1);
      const [entry] = audit.json.entries;
      assert.deepEqual(entry.target, { event: ids.pii });
      assert.equal(entry.actor, 'admin-token');
      assert.equal(entry.details.reason, 'incident 42');
      assert.ok(!JSON.stringify(entry).includes(EMAIL), 'the audit entry holds no content');
    });

    test('labels: a reviewer sets and removes them; the list filters by them', async () => {
      const put = await api(
        'PUT',
        `/events/${ids.secret}/labels/false_positive`,
        { note: 'a test key' },
        { token: reviewer },
      );
      assert.equal(put.status, 200, JSON.stringify(put.json));
      assert.equal(put.json.by, 'token:reviewer-1');
      assert.equal(put.json.note, 'a test key');
      assert.deepEqual(await list('?label=false_positive'), [ids.secret]);
      const detail = await api('GET', `/events/${ids.secret}`);
      assert.deepEqual(
        detail.json.labels.map((l: { label: string }) => l.label),
        ['false_positive'],
      );
      assert.deepEqual((await api('GET', '/events?action=blocked')).json.events[0].labels, [
        'false_positive',
      ]);

      assertAdminError(
        await api('PUT', `/events/${ids.secret}/labels/confirmed`, {}, { token: analyst }),
        403,
        'PARAPET_ADMIN_FORBIDDEN',
      );
      assertAdminError(
        await api('PUT', '/events/evt_nope/labels/confirmed', {}),
        404,
        'PARAPET_ADMIN_NOT_FOUND',
      );
      assertAdminError(
        await api('PUT', `/events/${ids.secret}/labels/Not%20A%20Label`, {}),
        400,
        'PARAPET_REQUEST_INVALID',
      );

      const removed = await api('DELETE', `/events/${ids.secret}/labels/false_positive`, undefined, {
        token: reviewer,
      });
      assert.deepEqual(removed.json, { eventId: ids.secret, label: 'false_positive', removed: true });
      const again = await api('DELETE', `/events/${ids.secret}/labels/false_positive`);
      assert.equal(again.json.removed, false);
      assert.deepEqual(await list('?label=false_positive'), []);
    });

    test('export CSV: redacted, every event, formula cells neutralised, `<script>` as text', async () => {
      const res = await rawGet(s, '/events/export?format=csv', analyst);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
      assert.match(
        res.headers.get('content-disposition') ?? '',
        /^attachment; filename="parapet-events-.*\.csv"$/,
      );
      assert.ok(!res.text.includes(EMAIL) && !res.text.includes(AWS_KEY));
      const rows = parseCsv(res.text);
      assert.deepEqual(rows[0], [...CSV_COLUMNS]);
      assert.equal(rows.length, 6);
      const col = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
      const byId = new Map(rows.slice(1).map((r) => [r[0], r]));
      const formula = byId.get(ids.formula)!;
      assert.equal(formula[col('user')], `'${FORMULA_USER}`);
      assert.equal(formula[col('groups')], "'+finance");
      assert.equal(formula[col('app')], "'@sheet");
      assert.equal(formula[col('preview_input')], "'-2+3 is the sum");
      assert.equal(byId.get(ids.script)![col('preview_input')], SCRIPT);
      assert.equal(byId.get(ids.secret)![col('action')], 'blocked');
      assert.equal(byId.get(ids.pii)![col('types')], 'finance;EMAIL_ADDRESS');
    });

    test('export NDJSON: one summary per line, markup escaped, filters applied', async () => {
      const res = await rawGet(s, '/events/export?format=ndjson', analyst);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
      const lines = res.text.trimEnd().split('\n');
      assert.equal(lines.length, 5);
      assert.ok(!res.text.includes('<script>') && res.text.includes('\\u003cscript\\u003e'));
      const parsed = lines.map((l) => JSON.parse(l));
      for (const line of parsed) assertShape(EventSummary, line);
      assert.equal(parsed.find((l) => l.id === ids.script).preview.input, SCRIPT);
      assert.ok(!res.text.includes(EMAIL) && !res.text.includes(AWS_KEY));
      const blocked = await rawGet(s, '/events/export?format=ndjson&action=blocked', analyst);
      assert.deepEqual(
        blocked.text
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l).id),
        [ids.secret],
      );
      const audit = await api('GET', '/audit?action=events.export');
      assert.ok(audit.json.entries.length >= 2, 'exports are recorded');
    });

    test('the activity-page benchmark helper times real pages', async () => {
      const result = await benchActivityPage({ baseUrl: s.gw.url, token: analyst, rounds: 2, limit: 2 });
      const labels = result.byProbe.map((p) => p.label);
      assert.deepEqual(labels.slice(0, 3), ['newest', 'newest, page 2', 'user']);
      assert.ok(labels.includes('text'));
      assert.equal(result.byProbe[0]?.rows, 2);
      assert.ok(result.byProbe.find((p) => p.label === 'user')!.rows > 0);
      assert.equal(result.requests, labels.length * 2);
      assert.ok(result.p50Ms > 0 && result.p95Ms >= result.p50Ms && result.maxMs >= result.p95Ms);
    });

    test('export with reveal: only for a role that may reveal, and recorded', async () => {
      assertAdminError(
        await api('GET', '/events/export?format=ndjson&reveal=true', undefined, { token: analyst }),
        403,
        'PARAPET_ADMIN_FORBIDDEN',
      );
      assertAdminError(await api('GET', '/events/export?format=xml'), 400, 'PARAPET_REQUEST_INVALID');
      const res = await rawGet(
        s,
        `/events/export?format=ndjson&reveal=true&family=pii`,
        'admin-test-token-5f1c0a9e2b7d4c3a',
      );
      assert.equal(res.status, 200, res.text);
      const [line, ...rest] = res.text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.equal(rest.length, 0);
      assert.equal(
        line.content.request.messages[0].content,
        `please email ${EMAIL} about the quarterly revenue`,
      );
      const csv = parseCsv(
        (
          await rawGet(
            s,
            '/events/export?format=csv&reveal=true&family=pii',
            'admin-test-token-5f1c0a9e2b7d4c3a',
          )
        ).text,
      );
      assert.equal(csv[0]?.at(-1), 'content');
      assert.ok(csv[1]?.at(-1)?.includes(EMAIL));
      const audit = await api('GET', '/audit?action=events.export.reveal');
      assert.equal(audit.json.entries.length, 2);
      assert.equal(audit.json.entries[0].details.filters.family, 'pii');
    });
  });
}

runEventRoutes('sqlite', async () => ({ url: null, drop: async () => {} }));

runEventRoutes(
  'postgres',
  async () => {
    const schema = await createTestSchema();
    const url = new URL(POSTGRES_URL as string);
    url.searchParams.set('schema', schema.name);
    return { url: url.toString(), drop: schema.drop };
  },
  POSTGRES_SKIP,
);

describe('events admin API (redacted content mode)', () => {
  let s: AdminSetup;
  let id = '';
  before(async () => {
    s = await startAdminSetup({
      config: (mock) => adminTestConfig(mock, { policy: POLICY, events: { content_mode: 'redacted' } }),
    });
    assert.equal(await chat(s, s.gw.key, `write to ${EMAIL} about the lawsuit`), 200);
    id = (await s.gw.waitForEvents(1))[0]!.id;
  });
  after(async () => {
    await s?.close();
  });

  test('the detail highlights the placeholders of the stored redacted text', async () => {
    const res = await s.api('GET', `/events/${id}`);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assertShape(EventDetail, res.json);
    const d = res.json as EventDetail;
    assert.ok(d.content.available);
    if (!d.content.available) return;
    assert.equal(d.content.from, 'redacted');
    const [input] = d.content.input;
    assert.equal(input?.text, 'write to [EMAIL_ADDRESS] about the [legal]');
    assert.deepEqual(
      input?.highlights.map((h) => [h.type, input.text.slice(h.start, h.end)]),
      [
        ['EMAIL_ADDRESS', '[EMAIL_ADDRESS]'],
        ['legal', '[legal]'],
      ],
    );
    assert.ok(!JSON.stringify(d).includes(EMAIL));
  });

  test('reveal has nothing more to show: 409 PARAPET_ADMIN_CONTENT_UNAVAILABLE, nothing recorded', async () => {
    assertAdminError(
      await s.api('POST', `/events/${id}/reveal`, {}),
      409,
      'PARAPET_ADMIN_CONTENT_UNAVAILABLE',
    );
    assert.equal((await s.api('GET', '/audit?action=events.reveal')).json.entries.length, 0);
  });
});
