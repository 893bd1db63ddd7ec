/**
 * The event search index and its queries, in both dialects with the same suite: every filter alone and
 * combined against a brute-force filter of the inserted events, paging that visits every event exactly
 * once in newest-first order, text search on the preview, labels, replayed batches, events sharing a
 * millisecond (and a place in it), and indexing events stored before the index existed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Event, Finding } from '@parapet/core';
import { createEventSearch, type EventFilters, type EventSearch } from '../../src/store/event-search.ts';
import {
  eventAction,
  queryWords,
  searchWords,
  seqCandidate,
  termOf,
} from '../../src/store/event-search-index.ts';
import { createPostgresStore, createSqliteStore, type Store } from '../../src/store/index.ts';
import { EVENT_COLUMNS, toEventRow } from '../../src/store/store-rows.ts';
import { createTestSchema, makeEvent, POSTGRES_SKIP, POSTGRES_URL, tempDir } from './store-fixtures.ts';

interface Opened {
  store: Store;
  cleanup(): Promise<void>;
}

const USERS = ['alice', 'bob', 'carol', 'dave', null];
const GROUPS = [['eng'], ['finance', 'eng'], ['legal'], [], ['support', 'contractors']];
const APPS = ['chat-web', 'ide', 'support-bot', null];
const MODELS = ['gpt-4o-mini', 'claude-3-5-haiku', 'private-llm'];
const WORDS = ['invoice', 'deploy', 'lawsuit', 'kubernetes', 'salary', 'migrate', 'réseau', 'Straße'];

function finding(family: string, type: string, segment: number | null = 0): Finding {
  return {
    family,
    type,
    score: 0.9,
    segment,
    span: segment === null ? null : { start: 0, end: 4 },
    detector: `${family}.test`,
  };
}

/** A varied, deterministic set of events over ten days, some sharing a millisecond. */
function makeEvents(n: number): Event[] {
  const base = Date.parse('2025-03-01T00:00:00.000Z');
  const events: Event[] = [];
  for (let i = 0; i < n; i++) {
    const findings: Finding[] = [];
    if (i % 3 === 0) findings.push(finding('pii', 'EMAIL_ADDRESS'));
    if (i % 7 === 0) findings.push(finding('secrets', 'AWS_ACCESS_KEY'));
    if (i % 4 === 1) findings.push(finding('topics', i % 8 === 1 ? 'legal' : 'finance', null));
    if (i % 11 === 0) findings.push(finding('prompt_attack', 'jailbreak'));
    const input =
      i % 5 === 0
        ? null
        : {
            action: (['allow', 'redact', 'block', 'monitor', 'warn'] as const)[i % 5]!,
            ruleId: i % 5 === 1 ? null : `rule-${i % 4}`,
            findings: findings.length > 0 ? [0] : [],
            failures: [],
            tags: [],
            ...(i % 6 === 0
              ? {
                  trail: [
                    { ruleId: 'trail-rule', action: 'monitor' as const, effect: 'accumulated' as const },
                  ],
                }
              : {}),
          };
    const output =
      i % 9 === 0
        ? { action: 'block' as const, ruleId: 'out-block', findings: [], failures: [], tags: [] }
        : null;
    // Every 17th event shares the millisecond of the one before it.
    const ms = i % 17 === 16 ? base + ((i - 1) * 3_600_000) / 1.5 : base + (i * 3_600_000) / 1.5;
    const word = WORDS[i % WORDS.length]!;
    events.push(
      makeEvent(`evt_search_${String(i).padStart(4, '0')}`, {
        time: new Date(Math.floor(ms)).toISOString(),
        principal: {
          keyId: `key_${i % 3}`,
          user: USERS[i % USERS.length]!,
          groups: GROUPS[i % GROUPS.length]!,
          app: APPS[i % APPS.length]!,
          via: 'key',
        },
        modelRequested: MODELS[i % MODELS.length]!,
        modelServed: i % 10 === 0 ? 'served-special' : MODELS[i % MODELS.length]!,
        status: i % 9 === 0 ? 'blocked' : 'success',
        findings: { input: findings, output: [] },
        decision: { input, output },
        preview: {
          input: `please ${word} the report for ticket ${i} and mail [EMAIL_ADDRESS]`,
          output: i % 2 === 0 ? `done with ${word}` : '',
        },
      }),
    );
  }
  return events;
}

/** What a filter should match, computed from the events themselves. */
function matches(e: Event, f: EventFilters, labels: ReadonlyMap<string, readonly string[]>): boolean {
  const all = [...e.findings.input, ...e.findings.output];
  if (f.user !== undefined && e.principal.user !== f.user) return false;
  if (f.group !== undefined && !e.principal.groups.includes(f.group)) return false;
  if (f.app !== undefined && e.principal.app !== f.app) return false;
  if (f.model !== undefined && e.modelRequested !== f.model && e.modelServed !== f.model) return false;
  if (f.action !== undefined && eventAction(e) !== f.action) return false;
  if (f.status !== undefined && e.status !== f.status) return false;
  if (f.family !== undefined && !all.some((x) => x.family === f.family)) return false;
  if (f.type !== undefined && !all.some((x) => x.type === f.type)) return false;
  if (f.topic !== undefined && !all.some((x) => x.family === 'topics' && x.type === f.topic)) return false;
  if (f.rule !== undefined) {
    const rules = [e.decision.input, e.decision.output].flatMap((d) =>
      d === null ? [] : [d.ruleId, ...(d.trail ?? []).map((t) => t.ruleId)],
    );
    if (!rules.includes(f.rule)) return false;
  }
  if (f.label !== undefined && !(labels.get(e.id) ?? []).includes(f.label)) return false;
  if (f.since !== undefined && Date.parse(e.time) < Date.parse(f.since)) return false;
  if (f.until !== undefined && Date.parse(e.time) >= Date.parse(f.until)) return false;
  if (f.q !== undefined) {
    const have = searchWords(`${e.preview?.input ?? ''}\n${e.preview?.output ?? ''}`);
    for (const w of queryWords(f.q)) {
      if (!have.some((h) => (w.prefix ? h.startsWith(w.word) : h === w.word))) return false;
    }
  }
  return true;
}

/** Every page of a search, following cursors. */
async function allPages(search: EventSearch, filters: EventFilters, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await search.page({ ...filters, limit, after });
    ids.push(...page.events.map((l) => l.event.id));
    if (page.nextCursor === null) return ids;
    assert.equal(page.events.length, limit, 'a page before the last one is full');
    after = page.nextCursor;
  }
  throw new Error('paging did not end');
}

function runEventSearchSuite(name: string, open: () => Promise<Opened>, skip: string | false = false): void {
  describe(`event search (${name})`, { skip }, () => {
    let opened: Opened;
    let search: EventSearch;
    const events = makeEvents(240);
    const byId = new Map(events.map((e) => [e.id, e]));
    const labels = new Map<string, string[]>();

    before(async () => {
      opened = await open();
      for (let i = 0; i < events.length; i += 50) await opened.store.insertEvents(events.slice(i, i + 50));
      // A replayed batch indexes nothing twice.
      await opened.store.insertEvents(events.slice(0, 50));
      search = createEventSearch(opened.store.sql);
    });
    after(async () => {
      await opened.cleanup();
    });

    const expected = (f: EventFilters) =>
      events
        .filter((e) => matches(e, f, labels))
        .map((e) => e.id)
        .sort();

    const assertNewestFirst = (ids: readonly string[]) => {
      for (let i = 1; i < ids.length; i++) {
        const a = Date.parse(byId.get(ids[i - 1]!)!.time);
        const b = Date.parse(byId.get(ids[i]!)!.time);
        assert.ok(a >= b, `${ids[i - 1]} before ${ids[i]}`);
      }
    };

    test('no filter: every event once, newest first, with its preview', async () => {
      const page = await search.page({ limit: 1000 });
      assert.equal(page.events.length, events.length);
      assert.equal(page.nextCursor, null);
      const ids = page.events.map((l) => l.event.id);
      assert.equal(new Set(ids).size, events.length);
      assertNewestFirst(ids);
      const first = page.events.find((l) => l.event.id === 'evt_search_0003')!;
      assert.deepEqual(first.preview, byId.get('evt_search_0003')!.preview);
      assert.equal('content' in first.event, false, 'a listing carries no content');
      assert.deepEqual(
        { ...first.event },
        (({ content: _c, preview: _p, ...rest }) => rest)(byId.get('evt_search_0003')!),
      );
    });

    const single: [string, EventFilters][] = [
      ['user', { user: 'bob' }],
      ['group', { group: 'eng' }],
      ['app', { app: 'ide' }],
      ['model (requested)', { model: 'claude-3-5-haiku' }],
      ['model (served)', { model: 'served-special' }],
      ['action blocked', { action: 'blocked' }],
      ['action redacted', { action: 'redacted' }],
      ['action none', { action: 'none' }],
      ['status', { status: 'blocked' }],
      ['family', { family: 'secrets' }],
      ['type', { type: 'EMAIL_ADDRESS' }],
      ['topic', { topic: 'legal' }],
      ['rule (decided)', { rule: 'rule-2' }],
      ['rule (trail)', { rule: 'trail-rule' }],
      ['rule (output)', { rule: 'out-block' }],
      ['since', { since: '2025-03-05T00:00:00Z' }],
      ['until', { until: '2025-03-03T12:00:00Z' }],
      ['text: one word', { q: 'kubernetes' }],
      ['text: prefix, any case', { q: 'KUBER*' }],
      ['text: a word is whole without `*`', { q: 'kuber' }],
      ['text: `*` after a short word', { q: 'ta*' }],
      ['text: accents ignored', { q: 'reseau' }],
      ['text: a masked placeholder', { q: '[EMAIL_ADDRESS]' }],
      ['text: two words', { q: 'invoice ticket 24' }],
      ['text: in the output', { q: 'done salary' }],
      ['unknown value', { user: 'nobody' }],
      ['unknown word', { q: 'zzzzqqq' }],
    ];
    for (const [what, filters] of single) {
      test(`filter: ${what}`, async () => {
        const want = expected(filters);
        const got = await allPages(search, filters, 1000);
        assert.deepEqual([...got].sort(), want);
        assertNewestFirst(got);
        if (
          ![
            'unknown value',
            'unknown word',
            'text: a word is whole without `*`',
            'text: `*` after a short word',
          ].includes(what)
        )
          assert.ok(want.length > 0, 'the case is not empty');
      });
    }

    const combined: EventFilters[] = [
      { user: 'alice', family: 'pii' },
      { group: 'eng', action: 'blocked', model: 'gpt-4o-mini' },
      { family: 'pii', type: 'EMAIL_ADDRESS', topic: 'finance' },
      { app: 'chat-web', q: 'report', since: '2025-03-02T00:00:00Z', until: '2025-03-08T00:00:00Z' },
      { rule: 'rule-0', status: 'success', q: 'deploy' },
      { user: 'carol', group: 'legal', app: 'support-bot', family: 'topics', q: 'please' },
      { family: 'secrets', action: 'allowed' },
    ];
    for (const filters of combined) {
      test(`combined filters ${JSON.stringify(filters)}`, async () => {
        const want = expected(filters);
        const got = await allPages(search, filters, 1000);
        assert.deepEqual([...got].sort(), want);
        assertNewestFirst(got);
      });
    }

    test('paging visits every event exactly once, in the order of one big page', async () => {
      for (const filters of [{}, { group: 'eng' }, { q: 'report' }, { family: 'pii', user: 'alice' }]) {
        const whole = (await search.page({ ...filters, limit: 1000 })).events.map((l) => l.event.id);
        for (const limit of [1, 7, 50]) {
          const paged = await allPages(search, filters, limit);
          assert.deepEqual(paged, whole, `limit ${limit}, ${JSON.stringify(filters)}`);
        }
      }
    });

    test('a page of a time window ends at the window', async () => {
      const filters = { since: '2025-03-04T00:00:00Z', until: '2025-03-05T00:00:00Z' };
      const ids = await allPages(search, filters, 3);
      assert.deepEqual([...ids].sort(), expected(filters));
      assert.deepEqual(
        await allPages(search, { since: '2025-03-05T00:00:00Z', until: '2025-03-05T00:00:00Z' }, 5),
        [],
      );
    });

    test('the order holds across far-apart times (before 1970, far future)', async () => {
      const far = [
        '1969-07-20T20:17:00.000Z',
        '1900-01-01T00:00:00.000Z',
        '2286-11-20T17:46:40.000Z',
        '2200-01-01T00:00:00.000Z',
      ];
      await opened.store.insertEvents(
        far.map((time, i) =>
          makeEvent(`evt_far_${i}`, { time, principal: { ...makeEvent('x').principal, user: 'far' } }),
        ),
      );
      const expectedOrder = ['evt_far_2', 'evt_far_3', 'evt_far_0', 'evt_far_1'];
      assert.deepEqual(await allPages(search, { user: 'far' }, 1), expectedOrder);
      const all = (await search.page({ limit: 1000 })).events.map((l) => l.event.id);
      assert.deepEqual(
        all.filter((id) => id.startsWith('evt_far_')),
        expectedOrder,
      );
      assert.equal(all[0], 'evt_far_2');
      assert.equal(all.at(-1), 'evt_far_1');
      assert.deepEqual(await allPages(search, { until: '1970-01-01T00:00:00Z' }, 1), [
        'evt_far_0',
        'evt_far_1',
      ]);
    });

    test('a bad cursor, limit or time is a RangeError', async () => {
      await assert.rejects(search.page({ limit: 10, after: 'abc' }), RangeError);
      await assert.rejects(search.page({ limit: 10, after: '9999999999999999999' }), RangeError);
      await assert.rejects(search.page({ limit: 0 }), RangeError);
      await assert.rejects(search.page({ limit: 1001 }), RangeError);
      await assert.rejects(search.page({ limit: 10, since: 'yesterday' }), RangeError);
      assert.deepEqual((await search.page({ limit: 10, q: '!!!' })).events, []);
    });

    test('labels: set, read, filter by, replace the note, remove', async () => {
      const id = 'evt_search_0042';
      const at = '2025-04-01T10:00:00.000Z';
      const put = await search.putLabel({
        eventId: id,
        label: 'false_positive',
        note: 'a test value',
        by: 'rita',
        at,
      });
      assert.deepEqual(put, { eventId: id, label: 'false_positive', note: 'a test value', by: 'rita', at });
      await search.putLabel({
        eventId: 'evt_search_0043',
        label: 'false_positive',
        note: null,
        by: 'rita',
        at,
      });
      await search.putLabel({ eventId: id, label: 'confirmed', note: null, by: 'sam', at });
      labels.set(id, ['confirmed', 'false_positive']);
      labels.set('evt_search_0043', ['false_positive']);
      assert.deepEqual(
        (await search.labels(id)).map((l) => l.label),
        ['confirmed', 'false_positive'],
      );
      assert.deepEqual([...(await allPages(search, { label: 'false_positive' }, 1))].sort(), [
        id,
        'evt_search_0043',
      ]);
      assert.deepEqual(
        await allPages(search, { label: 'confirmed', user: byId.get(id)!.principal.user ?? undefined }, 10),
        [id],
      );
      const listed = (await search.page({ limit: 1000 })).events.find((l) => l.event.id === id)!;
      assert.deepEqual(listed.labels, ['confirmed', 'false_positive']);

      const again = await search.putLabel({
        eventId: id,
        label: 'false_positive',
        note: 'changed',
        by: 'tom',
        at,
      });
      assert.equal(again?.note, 'changed');
      assert.equal((await search.labels(id)).length, 2);

      assert.equal(await search.deleteLabel(id, 'false_positive'), true);
      assert.equal(await search.deleteLabel(id, 'false_positive'), false);
      labels.set(id, ['confirmed']);
      assert.deepEqual(await allPages(search, { label: 'false_positive' }, 10), ['evt_search_0043']);

      assert.equal(
        await search.putLabel({ eventId: 'evt_missing', label: 'x', note: null, by: 'a', at }),
        null,
      );
      await assert.rejects(
        search.putLabel({ eventId: id, label: 'Bad Label', note: null, by: 'a', at }),
        RangeError,
      );
    });

    test('events of one millisecond, even on the same place in it, are all found and paged once', async () => {
      const time = '2025-02-01T00:00:00.123Z';
      const ms = Date.parse(time);
      // Ids whose first place in the millisecond is the same: the later ones take the next places.
      const ids: string[] = [];
      const target = seqCandidate(ms, 'evt_same_0', 0);
      for (let i = 1; ids.length < 3 && i < 2_000_000; i++) {
        if (seqCandidate(ms, `evt_same_${i}`, 0) === target) ids.push(`evt_same_${i}`);
      }
      assert.equal(ids.length, 3);
      const same = ['evt_same_0', ...ids, ...Array.from({ length: 30 }, (_, i) => `evt_tie_${i}`)].map((id) =>
        makeEvent(id, { time, preview: { input: 'tie breaker', output: '' } }),
      );
      await opened.store.insertEvents(same.slice(0, 2));
      await opened.store.insertEvents(same.slice(2));
      const filters = { since: time, until: '2025-02-01T00:00:00.124Z' };
      const paged = await allPages(search, filters, 4);
      assert.deepEqual([...paged].sort(), same.map((e) => e.id).sort());
      assert.deepEqual(
        paged,
        (await search.page({ ...filters, limit: 100 })).events.map((l) => l.event.id),
      );
      assert.deepEqual(
        [...(await allPages(search, { q: 'breaker' }, 5))].sort(),
        same.map((e) => e.id).sort(),
      );
    });

    test('events stored without the index are indexed by indexMissing, with labels', async () => {
      const legacy = makeEvents(6).map((e, i) =>
        makeEvent(`evt_legacy_${i}`, {
          ...e,
          id: `evt_legacy_${i}`,
          time: `2024-12-0${i + 1}T00:00:00.000Z`,
          contentMode: 'redacted',
          content: JSON.stringify({
            input: [
              { source: 'system', path: 'messages[0].content[0]', text: 'be brief' },
              { source: 'user', path: 'messages[1].content[0]', text: `legacy question ${i} about [US_SSN]` },
            ],
            output: [{ source: 'completion', text: 'legacy answer' }],
          }),
          preview: undefined,
        }),
      );
      // Written as a store without the index would: the events table only.
      const rows = legacy.map(toEventRow);
      if (opened.store.sql.dialect === 'sqlite') {
        const insert = opened.store.sql.db.prepare(
          `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map((c) => `@${c}`).join(', ')})`,
        );
        for (const row of rows) insert.run({ ...row, stream: row.stream ? 1 : 0 });
      } else {
        for (const row of rows) {
          await opened.store.sql.query(
            `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map((_, k) => `$${k + 1}`).join(', ')})`,
            EVENT_COLUMNS.map((c) => row[c]),
          );
        }
      }
      await search.putLabel({
        eventId: 'evt_legacy_2',
        label: 'old',
        note: null,
        by: 'a',
        at: '2025-01-01T00:00:00Z',
      });
      const ids = legacy.map((e) => e.id);
      const window = { since: '2024-01-01T00:00:00Z', until: '2025-01-01T00:00:00Z' };
      assert.deepEqual(await allPages(search, window, 10), []);
      assert.equal(await search.indexMissing({ batch: 4 }), 6);
      assert.equal(await search.indexMissing(), 0);
      const found = await allPages(search, window, 10);
      assert.deepEqual(found, [...ids].reverse());
      assert.deepEqual(await search.preview('evt_legacy_3'), {
        input: 'legacy question 3 about [US_SSN]',
        output: 'legacy answer',
      });
      assert.deepEqual(await allPages(search, { q: 'legacy question 5' }, 10), ['evt_legacy_5']);
      assert.deepEqual(await allPages(search, { label: 'old' }, 10), ['evt_legacy_2']);
    });
  });
}

runEventSearchSuite('sqlite', async () => {
  const tmp = tempDir();
  const store = createSqliteStore({ dataDir: tmp.dir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      tmp.remove();
    },
  };
});

runEventSearchSuite(
  'postgres',
  async () => {
    const schema = await createTestSchema();
    const store = await createPostgresStore({ url: POSTGRES_URL as string, schema: schema.name });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await schema.drop();
      },
    };
  },
  POSTGRES_SKIP,
);

describe('event search index terms', () => {
  test('long values are indexed by a prefix and a hash, the same for a filter', () => {
    const long = 'x'.repeat(500);
    assert.equal(termOf('user', long), termOf('user', long));
    assert.notEqual(termOf('user', long), termOf('user', `${long}y`));
    assert.ok(termOf('user', long).length < 200);
  });
});
