/**
 * The guard's own fairness audit from stored events: the parity table on small tables computed by hand
 * (intervention rates per action, demographic-parity difference and ratio with the four-fifths verdict,
 * the favourable-outcome ratio, TPR/FPR and their parity from reviewer labels, equalized odds), an event
 * in several groups counting in each, bootstrap intervals that are reproducible and cover a planted
 * disparity; interventions attributed to a detector family; reading a real store (SQLite, and PostgreSQL
 * when PARAPET_TEST_POSTGRES_URL is set) page by page with labels, windows and languages; and
 * `parapet audit guard` on a store (text, JSON, HTML, usage errors).
 */

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Decision, Event, Finding } from '@parapet/core';
import {
  auditGuardEvents,
  buildGuardTable,
  type GuardAction,
  type GuardObservation,
  type GuardReport,
  GuardWindowTooLargeError,
  guardActions,
  labelSets,
  readGuardEvents,
  truthOf,
  UNASSIGNED,
} from '../../src/audit/guard.ts';
import { createEventSearch } from '../../src/store/event-search.ts';
import { createPostgresStore, createSqliteStore, type Store } from '../../src/store/index.ts';
import { type CliRun, runCliCaptured } from '../helpers/cli.ts';
import {
  createTestSchema,
  makeEvent,
  POSTGRES_SKIP,
  POSTGRES_URL,
  tempDir,
} from '../store/store-fixtures.ts';

// ---------------------------------------------------------------------------------------------------
// Helpers

function obs(values: string[], actions: GuardAction[], label: 0 | 1 | null = null): GuardObservation {
  return { values, intervened: actions.length > 0, actions, label };
}

function repeat<T>(n: number, make: () => T): T[] {
  return Array.from({ length: n }, make);
}

const close = (actual: number | null | undefined, expected: number, what: string) => {
  assert.ok(actual !== null && actual !== undefined, `${what} is null`);
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);
};

function decision(
  action: Decision['action'],
  findings: number[] = [],
  extra: Partial<Decision> = {},
): Decision {
  return {
    action,
    ruleId: action === 'allow' ? null : `r-${action}`,
    findings,
    failures: [],
    tags: [],
    ...extra,
  };
}

function finding(family: string, type: string): Finding {
  return { family, type, score: 0.9, segment: 0, span: { start: 0, end: 4 }, detector: `${family}.test` };
}

/**
 * Hand-computed table. Group A: 10 events, 4 intervened (2 blocked, 1 redacted, 1 warned); labels: the
 * 4 interventions 3 positive + 1 negative, the rest 1 positive, 2 negative, 3 none. Group B: 10 events,
 * 1 blocked (labelled positive); the rest 1 positive, 4 negative, 4 none.
 */
function handTable(): GuardObservation[] {
  return [
    obs(['A'], ['blocked'], 1),
    obs(['A'], ['blocked'], 1),
    obs(['A'], ['redacted'], 1),
    obs(['A'], ['warned'], 0),
    obs(['A'], [], 1),
    obs(['A'], [], 0),
    obs(['A'], [], 0),
    ...repeat(3, () => obs(['A'], [])),
    obs(['B'], ['blocked'], 1),
    obs(['B'], [], 1),
    ...repeat(4, () => obs(['B'], [], 0)),
    ...repeat(4, () => obs(['B'], [])),
  ];
}

// ---------------------------------------------------------------------------------------------------

describe('the parity table', () => {
  test('intervention rates, parity and four-fifths on a table computed by hand', async () => {
    const { table } = await buildGuardTable(handTable(), { attribute: 'group' });
    assert.deepEqual(table.measures, ['intervened', 'blocked', 'held', 'warned', 'redacted']);
    assert.equal(table.events, 20);
    assert.equal(table.rows, 20);
    assert.deepEqual(
      table.groups.map((g) => [g.group, g.events, g.rates.map((r) => [r.measure, r.events, r.value])]),
      [
        [
          'A',
          10,
          [
            ['intervened', 4, 0.4],
            ['blocked', 2, 0.2],
            ['held', 0, 0],
            ['warned', 1, 0.1],
            ['redacted', 1, 0.1],
          ],
        ],
        [
          'B',
          10,
          [
            ['intervened', 1, 0.1],
            ['blocked', 1, 0.1],
            ['held', 0, 0],
            ['warned', 0, 0],
            ['redacted', 0, 0],
          ],
        ],
      ],
    );
    const p = new Map(table.parity.map((x) => [x.metric, x]));
    const any = p.get('intervened')!;
    close(any.difference.value, 0.3, 'intervened difference');
    close(any.ratio.value, 0.25, 'intervened ratio');
    assert.equal(any.fourFifths, 'fail');
    assert.equal(any.lowest, 'B');
    assert.equal(any.highest, 'A');
    close(p.get('blocked')!.ratio.value, 0.5, 'blocked ratio');
    assert.equal(p.get('blocked')!.fourFifths, 'fail');
    // Nobody was held: 0 everywhere, no ratio (0 / 0), no verdict.
    assert.deepEqual(p.get('held'), {
      metric: 'held',
      difference: { value: 0, low: null, high: null },
      ratio: { value: null, low: null, high: null },
      fourFifths: null,
      lowest: null,
      highest: null,
    });
    close(p.get('warned')!.ratio.value, 0, 'warned ratio');
    // Let through untouched: A 0.6, B 0.9.
    close(table.favourable.ratio, 0.6 / 0.9, 'favourable ratio');
    assert.equal(table.favourable.fourFifths, 'fail');
    assert.equal(table.favourable.lowest, 'A');
    assert.equal(table.favourable.highest, 'B');
    assert.equal(table.bootstrap, null);
  });

  test('TPR and FPR from labels, their parity and equalized odds', async () => {
    const { table } = await buildGuardTable(handTable(), { attribute: 'group' });
    const [a, b] = table.groups;
    assert.deepEqual([a!.positives, a!.negatives, b!.positives, b!.negatives], [4, 3, 2, 4]);
    close(a!.tpr.value, 3 / 4, 'TPR A');
    close(a!.fpr.value, 1 / 3, 'FPR A');
    close(b!.tpr.value, 1 / 2, 'TPR B');
    close(b!.fpr.value, 0, 'FPR B');
    const p = new Map(table.parity.map((x) => [x.metric, x]));
    const tpr = p.get('tpr')!;
    close(tpr.difference.value, 0.25, 'TPR difference');
    close(tpr.ratio.value, 0.5 / 0.75, 'TPR ratio');
    assert.deepEqual([tpr.lowest, tpr.highest, tpr.fourFifths], ['B', 'A', null]);
    const fpr = p.get('fpr')!;
    close(fpr.difference.value, 1 / 3, 'FPR difference');
    close(fpr.ratio.value, 0, 'FPR ratio');
    assert.deepEqual([fpr.lowest, fpr.highest, fpr.fourFifths], ['B', 'A', null]);
    close(table.equalizedOdds?.value, 1 / 3, 'equalized odds difference');
  });

  test('without labels there is no TPR/FPR parity, and a warning-free label section', async () => {
    const { table } = await buildGuardTable(
      handTable().map((o) => ({ ...o, label: null })),
      { attribute: 'group' },
    );
    assert.deepEqual(
      table.parity.map((p) => p.metric),
      ['intervened', 'blocked', 'held', 'warned', 'redacted'],
    );
    assert.equal(table.equalizedOdds, null);
    assert.equal(table.groups[0]!.tpr.value, null);
  });

  test('labels only on interventions: a warning that FPR and TPR say nothing', async () => {
    const { table } = await buildGuardTable(
      [obs(['A'], ['blocked'], 1), obs(['A'], ['blocked'], 0), obs(['B'], ['blocked'], 0), obs(['B'], [])],
      { attribute: 'group' },
    );
    assert.ok(
      table.warnings.some((w) => w.startsWith('only events the guard intervened on are labelled')),
      table.warnings.join('\n'),
    );
  });

  test('an event in several groups counts in each; an event without one is `(none)`', async () => {
    const { table } = await buildGuardTable(
      [obs(['eng', 'admins'], ['blocked']), obs(['eng'], []), obs(['eng', 'eng'], []), obs([], ['redacted'])],
      { attribute: 'group' },
    );
    assert.equal(table.events, 4);
    assert.equal(table.rows, 5);
    assert.deepEqual(
      table.groups.map((g) => [g.group, g.events, g.rates[0]!.events]),
      [
        [UNASSIGNED, 1, 1],
        ['admins', 1, 1],
        ['eng', 3, 1],
      ],
    );
  });

  test('groups under --min-events are left out and listed', async () => {
    const { table } = await buildGuardTable([...handTable(), obs(['C'], ['blocked']), obs(['C'], [])], {
      attribute: 'group',
      minEvents: 5,
    });
    assert.deepEqual(
      table.groups.map((g) => g.group),
      ['A', 'B'],
    );
    assert.deepEqual(table.excluded, [{ group: 'C', events: 2 }]);
    assert.ok(table.warnings.some((w) => w.includes('C (2)')));
  });

  test('nothing to audit: an empty table with a warning, not an error', async () => {
    const { table, audit } = await buildGuardTable([], { attribute: 'app' });
    assert.equal(audit, null);
    assert.deepEqual([table.events, table.groups, table.parity], [0, [], []]);
    assert.match(table.warnings[0]!, /nothing to audit/);
  });

  test('bootstrap: reproducible by seed, intervals around the estimate, a planted disparity found', async () => {
    // eng: 400 events, 20 blocked (5%); sales: 400 events, 60 blocked (15%).
    const planted = [
      ...repeat(20, () => obs(['eng'], ['blocked'])),
      ...repeat(380, () => obs(['eng'], [])),
      ...repeat(60, () => obs(['sales'], ['blocked'])),
      ...repeat(340, () => obs(['sales'], [])),
    ];
    const options = { attribute: 'group', bootstrap: { samples: 400, seed: 11 } };
    const first = await buildGuardTable(planted, options);
    const again = await buildGuardTable(planted, options);
    assert.deepEqual(first.table, again.table);
    const other = await buildGuardTable(planted, { ...options, bootstrap: { samples: 400, seed: 12 } });
    assert.notDeepEqual(first.table.parity[0]!.ratio, other.table.parity[0]!.ratio);
    assert.deepEqual(first.table.bootstrap, { samples: 400, seed: 11, level: 0.95 });

    const [eng, sales] = first.table.groups;
    for (const g of [eng!, sales!]) {
      const r = g.rates[0]!;
      assert.ok(r.low! <= r.value! && r.value! <= r.high!, `${g.group}: ${JSON.stringify(r)}`);
    }
    // Each rate's interval is about ±2 standard errors (eng: sqrt(.05 × .95 / 400) ≈ 0.011).
    assert.ok(eng!.rates[0]!.high! < 0.08 && eng!.rates[0]!.low! > 0.02, JSON.stringify(eng!.rates[0]));
    assert.ok(sales!.rates[0]!.low! > 0.1 && sales!.rates[0]!.high! < 0.2, JSON.stringify(sales!.rates[0]));
    const any = first.table.parity[0]!;
    close(any.ratio.value, 1 / 3, 'planted ratio');
    assert.ok(any.ratio.high! < 0.8, 'the whole interval fails the four-fifths rule');
    assert.ok(any.ratio.low! < 1 / 3 && any.ratio.high! > 1 / 3);
    // Nobody was held: a 0 rate with a [0, 0] interval.
    assert.deepEqual(eng!.rates[2], { measure: 'held', events: 0, value: 0, low: 0, high: 0 });
  });

  test('a bootstrap budget reduces the samples, or drops the intervals, with a warning', async () => {
    const rows = [...repeat(50, () => obs(['a'], ['blocked'])), ...repeat(150, () => obs(['b'], []))];
    const reduced = await buildGuardTable(rows, {
      attribute: 'group',
      bootstrap: { samples: 1000, seed: 1 },
      bootstrapBudget: 200 * 300,
    });
    assert.equal(reduced.table.bootstrap?.samples, 300);
    assert.ok(reduced.table.warnings.some((w) => w.startsWith('bootstrap reduced from 1000 to 300 samples')));
    const none = await buildGuardTable(rows, {
      attribute: 'group',
      bootstrap: { samples: 1000, seed: 1 },
      bootstrapBudget: 200 * 50,
    });
    assert.equal(none.table.bootstrap, null);
    assert.ok(none.table.warnings.some((w) => w.startsWith('no intervals')));
  });

  test('bad options are refused', async () => {
    await assert.rejects(
      buildGuardTable([obs(['a'], [])], { attribute: 'group', bootstrap: { samples: 0, seed: 1 } }),
      RangeError,
    );
    await assert.rejects(buildGuardTable([obs(['a'], [])], { attribute: 'group', minEvents: 0 }), RangeError);
  });
});

describe('what counts as an intervention', () => {
  const findings = {
    input: [finding('pii', 'EMAIL_ADDRESS'), finding('secrets', 'AWS_ACCESS_KEY')],
    output: [finding('toxicity', 'insult')],
  };

  test('each direction by its outcome; allow, monitor and route are not interventions', () => {
    assert.deepEqual(guardActions({ input: decision('block', [1]), output: null }, findings, null), [
      'blocked',
    ]);
    assert.deepEqual(
      guardActions({ input: decision('redact', [0]), output: decision('warn', [0]) }, findings, null),
      ['warned', 'redacted'],
    );
    for (const a of ['allow', 'monitor', 'route'] as const) {
      assert.deepEqual(guardActions({ input: decision(a), output: null }, findings, null), [], a);
    }
    // Held then approved is held; an acknowledged warning was warned.
    const approved = decision('allow', [], {
      approval: { id: 'ap', ruleId: 'r', status: 'approved', by: 'rev', at: null, reason: null },
    });
    assert.deepEqual(guardActions({ input: approved, output: null }, findings, null), ['held']);
    const acked = decision('allow', [], { acknowledgement: { ruleId: 'r', justification: null } });
    assert.deepEqual(guardActions({ input: acked, output: null }, findings, null), ['warned']);
  });

  test('with a family, only interventions citing a finding of that family', () => {
    const blockSecrets = { input: decision('block', [1]), output: null };
    assert.deepEqual(guardActions(blockSecrets, findings, 'secrets'), ['blocked']);
    assert.deepEqual(guardActions(blockSecrets, findings, 'pii'), []);
    // A block by secrets with a pii redaction accumulated: the block is not pii's doing.
    const both = {
      input: decision('block', [1], { redactions: [{ ruleId: 'mask', mode: 'mask', findings: [0] }] }),
      output: null,
    };
    assert.deepEqual(guardActions(both, findings, 'pii'), []);
    const redactPii = {
      input: decision('allow', [], { redactions: [{ ruleId: 'mask', mode: 'mask', findings: [0] }] }),
      output: decision('block', [0]),
    };
    assert.deepEqual(guardActions(redactPii, findings, 'pii'), ['redacted']);
    assert.deepEqual(guardActions(redactPii, findings, 'toxicity'), ['blocked']);
  });

  test('labels as ground truth: positive, negative, both (a conflict), none', () => {
    const sets = labelSets();
    assert.equal(truthOf(['confirmed'], sets), 1);
    assert.equal(truthOf(['true_positive', 'note'], sets), 1);
    assert.equal(truthOf(['false_negative'], sets), 1);
    assert.equal(truthOf(['false_positive'], sets), 0);
    assert.equal(truthOf(['true_negative'], sets), 0);
    assert.equal(truthOf(['confirmed', 'false_positive'], sets), 'conflict');
    assert.equal(truthOf(['spam'], sets), null);
    assert.equal(truthOf(['ok'], labelSets(['bad'], ['ok'])), 0);
    assert.throws(() => labelSets(['x'], ['x']), RangeError);
  });
});

// ---------------------------------------------------------------------------------------------------
// A real store

const BASE = Date.parse('2025-03-01T00:00:00.000Z');

interface Planted {
  events: Event[];
  labels: { id: string; label: string }[];
}

/**
 * 4,600 events in the window (more than two pages, many sharing a millisecond): group `eng` blocked 1 in
 * 10, `sales` 3 in 10 (and redacted 1 in 10 more); every 4th event is also in `admins` (blocked 1 in 5); apps
 * follow the group; events before and after the window, and events without a decision.
 */
function plantedEvents(): Planted {
  const events: Event[] = [];
  const labels: { id: string; label: string }[] = [];
  for (let i = 0; i < 4600; i++) {
    const sales = i % 2 === 1;
    const k = Math.floor(i / 2) % 10;
    const blocked = sales ? k < 3 : k < 1;
    const redacted = sales && !blocked && k === 5;
    const groups = [sales ? 'sales' : 'eng', ...(i % 4 === 0 ? ['admins'] : [])];
    const id = `evt-${String(i).padStart(5, '0')}`;
    events.push(
      makeEvent(id, {
        // Ten events per millisecond: ties on time across page boundaries.
        time: new Date(BASE + 3_600_000 + Math.floor(i / 10)).toISOString(),
        principal: { keyId: 'k', user: `u${i % 7}`, groups, app: sales ? 'crm' : 'ide', via: 'key' },
        findings: { input: [finding(blocked ? 'secrets' : 'pii', 'X')], output: [] },
        decision: {
          input: blocked ? decision('block', [0]) : redacted ? decision('redact', [0]) : decision('allow'),
          output: null,
        },
        preview: {
          input: sales
            ? 'Bonjour, je voudrais réserver une chambre pour la semaine prochaine'
            : 'Hello, I would like to book a room for next week please',
          output: '',
        },
      }),
    );
    if (i < 40) labels.push({ id, label: blocked ? 'true_positive' : 'true_negative' });
  }
  // Outside the window.
  events.push(
    makeEvent('evt-before', {
      time: new Date(BASE - 1).toISOString(),
      decision: { input: decision('block'), output: null },
    }),
  );
  events.push(
    makeEvent('evt-after', {
      time: new Date(BASE + 86_400_000).toISOString(),
      decision: { input: decision('block'), output: null },
    }),
  );
  // No decision: refused before the policy ran.
  for (let i = 0; i < 3; i++) {
    events.push(
      makeEvent(`evt-none-${i}`, {
        time: new Date(BASE + 10 + i).toISOString(),
        decision: { input: null, output: null },
      }),
    );
  }
  return { events, labels };
}

const WINDOW = { since: new Date(BASE).toISOString(), until: new Date(BASE + 86_400_000).toISOString() };

function storeSuite(
  name: string,
  open: () => Promise<{ store: Store; cleanup(): Promise<void> }>,
  skip: string | false,
) {
  describe(`stored events (${name})`, { skip }, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const planted = plantedEvents();

    before(async () => {
      ({ store, cleanup } = await open());
      for (let i = 0; i < planted.events.length; i += 500)
        await store.insertEvents(planted.events.slice(i, i + 500));
      const search = createEventSearch(store.sql);
      for (const l of planted.labels) {
        await search.putLabel({
          eventId: l.id,
          label: l.label,
          note: null,
          by: 'rev',
          at: new Date(BASE).toISOString(),
        });
      }
      // A conflicting pair of labels on one event.
      await search.putLabel({
        eventId: 'evt-00041',
        label: 'confirmed',
        note: null,
        by: 'rev',
        at: new Date(BASE).toISOString(),
      });
      await search.putLabel({
        eventId: 'evt-00041',
        label: 'false_positive',
        note: null,
        by: 'rev',
        at: new Date(BASE).toISOString(),
      });
    });
    after(() => cleanup?.());

    test('by group: every event of the window read once, rates exact, labels counted', async () => {
      const { report } = await auditGuardEvents(store.sql, { ...WINDOW, by: 'group' });
      assert.equal(report.events, 4600);
      assert.equal(report.skipped, 3);
      assert.equal(report.rows, 4600 + 1150);
      const g = new Map(report.groups.map((x) => [x.group, x]));
      assert.deepEqual([...g.keys()], ['admins', 'eng', 'sales']);
      assert.equal(g.get('eng')!.events, 2300);
      assert.equal(g.get('eng')!.rates[1]!.events, 230);
      close(g.get('eng')!.rates[0]!.value, 0.1, 'eng intervened');
      close(g.get('sales')!.rates[0]!.value, 0.4, 'sales intervened');
      close(g.get('sales')!.rates[1]!.value, 0.3, 'sales blocked');
      close(g.get('sales')!.rates[4]!.value, 0.1, 'sales redacted');
      // admins: i = 4m, all eng, k = 2m mod 10: blocked when m is a multiple of 5.
      assert.equal(g.get('admins')!.events, 1150);
      close(g.get('admins')!.rates[0]!.value, 0.2, 'admins intervened');
      const any = report.parity[0]!;
      close(any.ratio.value, 0.1 / 0.4, 'ratio');
      assert.deepEqual([any.lowest, any.highest, any.fourFifths], ['eng', 'sales', 'fail']);
      assert.deepEqual(
        { ...report.labels },
        {
          positive: ['true_positive', 'confirmed', 'false_negative'],
          negative: ['false_positive', 'true_negative'],
          positives: 8,
          negatives: 32,
          conflicting: 1,
          unlabelled: 4559,
        },
      );
      assert.ok(
        report.warnings.some((w) => w.startsWith('1 event carries both a positive and a negative label')),
      );
      assert.deepEqual(report.window, WINDOW);
    });

    test('by app, and by language from the redacted preview', async () => {
      const byApp = await auditGuardEvents(store.sql, { ...WINDOW, by: 'app' });
      assert.deepEqual(
        byApp.report.groups.map((x) => [x.group, x.events, x.rates[0]!.events]),
        [
          ['crm', 2300, 920],
          ['ide', 2300, 230],
        ],
      );
      const byLanguage = await auditGuardEvents(store.sql, { ...WINDOW, by: 'language' });
      assert.deepEqual(
        byLanguage.report.groups.map((x) => [x.group, x.events]),
        [
          ['en', 2300],
          ['fr', 2300],
        ],
      );
      assert.deepEqual(byLanguage.report.language, { policy: 0, preview: 4600, unknown: 0 });
    });

    test('a family counts only its own interventions', async () => {
      const { report } = await auditGuardEvents(store.sql, { ...WINDOW, by: 'app', family: 'pii' });
      // Only the redactions cite pii findings.
      assert.deepEqual(
        report.groups.map((x) => [x.group, x.rates[0]!.events, x.rates[1]!.events]),
        [
          ['crm', 230, 0],
          ['ide', 0, 0],
        ],
      );
      assert.equal(report.family, 'pii');
    });

    test('a window with too many events is refused before it is read', async () => {
      await assert.rejects(
        readGuardEvents(store.sql, { ...WINDOW, by: 'group', maxEvents: 100 }),
        (e: unknown) => e instanceof GuardWindowTooLargeError && e.events === 4603,
      );
    });

    test('an empty window is an empty table', async () => {
      const { report } = await auditGuardEvents(store.sql, {
        since: '2024-01-01T00:00:00.000Z',
        until: '2024-01-02T00:00:00.000Z',
        by: 'group',
      });
      assert.equal(report.events, 0);
      assert.deepEqual(report.groups, []);
    });
  });
}

storeSuite(
  'sqlite',
  async () => {
    const tmp = tempDir('parapet-guard-');
    const store = createSqliteStore({ dataDir: tmp.dir });
    return {
      store,
      cleanup: async () => {
        await store.close();
        tmp.remove();
      },
    };
  },
  false,
);

storeSuite(
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

describe('the language of a stored event', () => {
  test('recorded by the policy first, the preview second, else `und`', async () => {
    const tmp = tempDir('parapet-guard-lang-');
    const store = createSqliteStore({ dataDir: tmp.dir });
    try {
      const at = new Date(BASE + 1000).toISOString();
      const facts = { model: 'm', language: 'de', hasTools: false, sources: ['user' as const] };
      await store.insertEvents([
        makeEvent('l1', { time: at, decision: { input: decision('block', [], { facts }), output: null } }),
        makeEvent('l2', {
          time: at,
          decision: { input: decision('allow'), output: null },
          preview: {
            input: 'Mail [EMAIL_ADDRESS] — ¿dónde está la estación de tren más cercana, por favor?',
            output: '',
          },
        }),
        makeEvent('l3', {
          time: at,
          decision: { input: decision('allow'), output: null },
          contentMode: 'none',
          content: null,
        }),
      ]);
      const { report } = await auditGuardEvents(store.sql, { ...WINDOW, by: 'language' });
      assert.deepEqual(
        report.groups.map((g) => [g.group, g.events, g.rates[0]!.events]),
        [
          ['de', 1, 1],
          ['es', 1, 0],
          ['und', 1, 0],
        ],
      );
      assert.deepEqual(report.language, { policy: 1, preview: 1, unknown: 1 });
      assert.ok(report.warnings.some((w) => w.includes('language of 1 of 3 events is unknown')));
    } finally {
      await store.close();
      tmp.remove();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// The command line

/** Runs `parapet audit guard …` in process with captured output. */
const runGuardCli = (
  argv: string[],
  io: { cwd: string; env?: Record<string, string>; now?: () => Date },
): Promise<CliRun> => runCliCaptured(['audit', 'guard', ...argv], io);

describe('parapet audit guard (stored events)', () => {
  const tmp = tempDir('parapet-guard-cli-');
  const now = () => new Date(BASE + 2 * 86_400_000);

  before(async () => {
    const store = createSqliteStore({ dataDir: tmp.dir });
    const events: Event[] = [];
    for (let i = 0; i < 200; i++) {
      const contractors = i % 4 === 0;
      const blocked = contractors ? i % 8 === 0 : i % 20 === 1;
      events.push(
        makeEvent(`c-${i}`, {
          time: new Date(BASE + 86_400_000 + i * 1000).toISOString(),
          principal: {
            keyId: 'k',
            user: 'u',
            groups: [contractors ? 'contractors' : 'staff'],
            app: 'chat',
            via: 'key',
          },
          decision: { input: blocked ? decision('block') : decision('allow'), output: null },
        }),
      );
    }
    await store.insertEvents(events);
    await store.close();
  });
  after(() => tmp.remove());

  test('prints the table, the parity in words, and exits 0', async () => {
    const r = await runGuardCli(['--data-dir', tmp.dir, '--since', '7d', '--bootstrap', '200'], {
      cwd: tmp.dir,
      now,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Guard fairness by group — stored events /);
    assert.match(r.stdout, /contractors\s+50\s+50\.0% \[/);
    assert.match(r.stdout, /staff\s+150\s+6\.7% \[/);
    assert.match(
      r.stdout,
      /fails the four-fifths rule: contractors is intervened on more than 1\.25 times as often as staff/,
    );
    assert.match(r.stdout, /95% bootstrap intervals, 200 samples, seed 7/);
  });

  test('--json is the report; --html writes a self-contained report', async () => {
    const html = join(tmp.dir, 'guard.html');
    const r = await runGuardCli(
      ['--data-dir', tmp.dir, '--since', '7d', '--bootstrap', '0', '--json', '--html', html],
      { cwd: tmp.dir, now },
    );
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as GuardReport;
    assert.equal(report.source, 'events');
    assert.equal(report.events, 200);
    assert.equal(report.bootstrap, null);
    close(report.parity[0]!.ratio.value, 10 / 150 / 0.5, 'ratio');
    assert.ok(existsSync(html));
    const page = readFileSync(html, 'utf8');
    assert.match(page, /^<!DOCTYPE html>/i);
    assert.match(page, /Guard fairness by group/);
    assert.match(page, /contractors/);
  });

  test('usage errors exit 2 with one line', async () => {
    for (const argv of [
      ['--by', 'team'],
      ['--group-field', 'lang'],
      ['--since', 'yesterday'],
      ['--bootstrap', '-1'],
      ['--since', '1d', '--until', '2d'],
    ]) {
      const r = await runGuardCli(['--data-dir', tmp.dir, ...argv], { cwd: tmp.dir, now });
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
