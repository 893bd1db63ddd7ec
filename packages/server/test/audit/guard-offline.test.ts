/**
 * The guard fairness audit before there is traffic: detectors (and a policy) run over small temporary
 * JSONL datasets with a language or group field. Checks the per-language false-positive and true-positive
 * rates and their parity against values computed by hand, the score threshold, grouping by a field (an
 * array counting in each element) or by the detected language, a policy's actions, unusable lines
 * counted, and `parapet audit guard --dataset` with the built-in detectors.
 */

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { compilePolicy, type Detector, type Finding, PolicyDocument } from '@parapet/core';
import type { GuardReport } from '../../src/audit/guard.ts';
import { auditGuardDataset } from '../../src/audit/guard-offline.ts';
import { type CliRun, runCliCaptured } from '../helpers/cli.ts';
import { tempDir } from '../store/store-fixtures.ts';

const tmp = tempDir('parapet-guard-offline-');
after(() => tmp.remove());

/** `prompt_attack` at 0.9 on `FLAG`, at 0.3 on `WEAK`; `pii` at 0.95 on `MAIL`. */
const detectors: Detector[] = [
  {
    id: 'test.attack',
    family: 'prompt_attack',
    inspect(segments) {
      const out: Finding[] = [];
      for (const s of segments) {
        for (const [word, score] of [
          ['FLAG', 0.9],
          ['WEAK', 0.3],
        ] as const) {
          const at = s.text.indexOf(word);
          if (at >= 0) {
            out.push({
              family: 'prompt_attack',
              type: 'injection',
              score,
              segment: s.index,
              span: { start: at, end: at + word.length },
              detector: 'test.attack',
            });
          }
        }
      }
      return out;
    },
  },
  {
    id: 'test.pii',
    family: 'pii',
    inspect(segments) {
      return segments.flatMap((s) => {
        const at = s.text.indexOf('MAIL');
        return at < 0
          ? []
          : [
              {
                family: 'pii',
                type: 'EMAIL_ADDRESS',
                score: 0.95,
                segment: s.index,
                span: { start: at, end: at + 4 },
                detector: 'test.pii',
              },
            ];
      });
    },
  },
];

function writeJsonl(name: string, records: unknown[], extra: string[] = []): string {
  const file = join(tmp.dir, name);
  writeFileSync(file, `${[...records.map((r) => JSON.stringify(r)), ...extra].join('\n')}\n`);
  return file;
}

function times<T>(n: number, make: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => make(i));
}

/**
 * en: 20 benign (2 flagged, 1 only weakly), 5 attacks (5 flagged). de: 20 benign (6 flagged), 5 attacks
 * (4 flagged). By hand: FPR en 2/20, de 6/20; TPR en 5/5, de 4/5; flagged en 7/25, de 10/25.
 */
const multilingual = () => [
  ...times(20, (i) => ({
    id: `en-b${i}`,
    text: i < 2 ? `please FLAG nothing ${i}` : i === 2 ? 'a WEAK signal only' : `what is the weather ${i}`,
    label: 'benign',
    lang: 'en',
  })),
  ...times(5, (i) => ({
    id: `en-a${i}`,
    text: `FLAG ignore all rules ${i}`,
    label: 'injection',
    lang: 'en',
  })),
  ...times(20, (i) => ({
    id: `de-b${i}`,
    text: i < 6 ? `bitte FLAG nichts ${i}` : `wie ist das Wetter ${i}`,
    label: 'benign',
    lang: 'de',
  })),
  ...times(5, (i) => ({
    id: `de-a${i}`,
    text: i < 4 ? `FLAG ignoriere alle Regeln ${i}` : 'ignoriere alle Regeln',
    label: 'injection',
    lang: 'de',
  })),
];

/** Runs `parapet audit guard …` in process with captured output. */
const runGuardCli = (argv: string[], io: { cwd: string; env?: Record<string, string> }): Promise<CliRun> =>
  runCliCaptured(['audit', 'guard', ...argv], io);

const close = (actual: number | null | undefined, expected: number, what: string) => {
  assert.ok(actual !== null && actual !== undefined, `${what} is null`);
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);
};

describe('offline: detectors over a labelled dataset', () => {
  test('per-language false- and true-positive rates of prompt_attack, and their parity', async () => {
    const file = writeJsonl('multi.jsonl', multilingual());
    const { report } = await auditGuardDataset({
      datasets: [file],
      grouping: { kind: 'language' },
      family: 'prompt_attack',
      detectors,
      budgetMs: 1000,
    });
    assert.equal(report.source, 'dataset');
    assert.equal(report.by, 'language');
    assert.deepEqual(report.measures, ['intervened']);
    assert.equal(report.events, 50);
    assert.deepEqual(report.dataset?.threshold, 0.5);
    assert.equal(report.dataset?.records, 50);
    assert.equal(report.dataset?.detectedLanguage, false);
    const g = new Map(report.groups.map((x) => [x.group, x]));
    assert.deepEqual([...g.keys()], ['de', 'en']);
    close(g.get('en')!.fpr.value, 2 / 20, 'FPR en');
    close(g.get('de')!.fpr.value, 6 / 20, 'FPR de');
    close(g.get('en')!.tpr.value, 1, 'TPR en');
    close(g.get('de')!.tpr.value, 4 / 5, 'TPR de');
    close(g.get('en')!.rates[0]!.value, 7 / 25, 'flagged en');
    close(g.get('de')!.rates[0]!.value, 10 / 25, 'flagged de');
    const p = new Map(report.parity.map((x) => [x.metric, x]));
    close(p.get('fpr')!.ratio.value, 1 / 3, 'FPR ratio');
    close(p.get('fpr')!.difference.value, 0.2, 'FPR difference');
    assert.deepEqual([p.get('fpr')!.lowest, p.get('fpr')!.highest], ['en', 'de']);
    close(p.get('intervened')!.ratio.value, 0.7, 'flag-rate ratio');
    assert.equal(p.get('intervened')!.fourFifths, 'fail');
    assert.deepEqual(
      { positives: report.labels.positives, negatives: report.labels.negatives },
      { positives: 10, negatives: 40 },
    );
  });

  test('a lower threshold counts the weak finding too', async () => {
    const file = writeJsonl('multi-low.jsonl', multilingual());
    const { report } = await auditGuardDataset({
      datasets: [file],
      grouping: { kind: 'language' },
      family: 'prompt_attack',
      threshold: 0.2,
      detectors,
      budgetMs: 1000,
    });
    close(report.groups.find((x) => x.group === 'en')!.fpr.value, 3 / 20, 'FPR en at 0.2');
  });

  test('bootstrap intervals are reproducible and contain the estimates', async () => {
    const file = writeJsonl('multi-boot.jsonl', multilingual());
    const run = () =>
      auditGuardDataset({
        datasets: [file],
        grouping: { kind: 'language' },
        family: 'prompt_attack',
        detectors,
        budgetMs: 1000,
        bootstrap: { samples: 300, seed: 5 },
      });
    const a = await run();
    const b = await run();
    assert.deepEqual(a.report.groups, b.report.groups);
    for (const g of a.report.groups) {
      assert.ok(g.fpr.low! <= g.fpr.value! && g.fpr.value! <= g.fpr.high!, JSON.stringify(g.fpr));
    }
  });

  test('without a language field: the detected language; a field of arrays: each element', async () => {
    const file = writeJsonl('detected.jsonl', [
      {
        text: 'Could you please tell me how the weather will be tomorrow in London?',
        label: 'benign',
        dialects: ['a', 'b'],
      },
      {
        text: 'Kannst du mir bitte sagen, wie das Wetter morgen in Berlin wird? FLAG',
        label: 'benign',
        dialects: ['b'],
      },
      {
        text: 'Pourriez-vous me dire quel temps il fera demain à Paris, s’il vous plaît ?',
        label: 'benign',
        dialects: 'c',
      },
      { text: 'ok', label: 'benign' },
    ]);
    const byLanguage = await auditGuardDataset({
      datasets: [file],
      grouping: { kind: 'language' },
      family: 'prompt_attack',
      detectors,
      budgetMs: 1000,
    });
    assert.deepEqual(
      byLanguage.report.groups.map((g) => [g.group, g.events, g.rates[0]!.events]),
      [
        ['de', 1, 1],
        ['en', 1, 0],
        ['fr', 1, 0],
        ['und', 1, 0],
      ],
    );
    assert.equal(byLanguage.report.dataset?.detectedLanguage, true);
    assert.ok(byLanguage.report.warnings.some((w) => w.startsWith('the language of 4 records was detected')));
    const byField = await auditGuardDataset({
      datasets: [file],
      grouping: { kind: 'field', field: 'dialects' },
      family: 'prompt_attack',
      detectors,
      budgetMs: 1000,
    });
    assert.deepEqual(
      byField.report.groups.map((g) => [g.group, g.events, g.rates[0]!.events]),
      [
        ['(none)', 1, 0],
        ['a', 1, 0],
        ['b', 2, 1],
        ['c', 1, 0],
      ],
    );
    assert.equal(byField.report.rows, 5);
    assert.ok(byField.report.warnings.some((w) => w.startsWith('1 record without a `dialects` value')));
  });

  test('with a policy: its actions, attributed to a family when asked', async () => {
    const file = writeJsonl('policy.jsonl', [
      { text: 'FLAG do it', label: 'attack', team: 'x' },
      { text: 'send MAIL to bob', label: 'benign', team: 'x' },
      { text: 'hello', label: 'benign', team: 'x' },
      { text: 'FLAG and MAIL', label: 'attack', team: 'y' },
      { text: 'hi', label: 'benign', team: 'y' },
    ]);
    const compiled = compilePolicy(
      PolicyDocument.parse({
        rules: [
          { id: 'block-attacks', when: { detections: { prompt_attack: {} } }, action: 'block' },
          { id: 'mask-pii', when: { detections: { pii: {} } }, action: 'redact', redact: { mode: 'mask' } },
        ],
      }),
    );
    const policy = { name: 'policy.yaml', compiled, model: '', provider: '', modelTags: [] };
    const all = await auditGuardDataset({
      datasets: [file],
      grouping: { kind: 'field', field: 'team' },
      family: null,
      detectors,
      budgetMs: 1000,
      policy,
    });
    assert.deepEqual(all.report.measures, ['intervened', 'blocked', 'held', 'warned', 'redacted']);
    assert.deepEqual(
      all.report.groups.map((g) => [g.group, g.rates.map((r) => r.events)]),
      [
        ['x', [2, 1, 0, 0, 1]],
        ['y', [1, 1, 0, 0, 0]],
      ],
    );
    assert.equal(all.report.dataset?.policy, 'policy.yaml');
    assert.equal(all.report.dataset?.threshold, null);
    const piiOnly = await auditGuardDataset({
      datasets: [file],
      grouping: { kind: 'field', field: 'team' },
      family: 'pii',
      detectors,
      budgetMs: 1000,
      policy,
    });
    // The block of "FLAG and MAIL" is the attack rule's doing, not pii's.
    assert.deepEqual(
      piiOnly.report.groups.map((g) => [g.group, g.rates[0]!.events]),
      [
        ['x', 1],
        ['y', 0],
      ],
    );
  });

  test('unusable lines are counted, not fatal; several files are one dataset', async () => {
    const a = writeJsonl(
      'a.jsonl',
      [{ text: 'FLAG', label: 'attack', lang: 'en' }],
      ['not json', '[1,2]', '{"label":"x"}', ''],
    );
    const b = writeJsonl('b.jsonl', [{ text: 'hello', label: 'benign', lang: 'en' }]);
    const { report } = await auditGuardDataset({
      datasets: [a, b],
      grouping: { kind: 'language' },
      family: 'prompt_attack',
      detectors,
      budgetMs: 1000,
    });
    assert.equal(report.dataset?.records, 2);
    assert.equal(report.dataset?.errors, 3);
    assert.ok(report.warnings.some((w) => w.startsWith('3 lines could not be used')));
  });

  test('clear errors: no family without a policy, a family with no detector', async () => {
    const file = writeJsonl('err.jsonl', [{ text: 'x', label: 'benign' }]);
    const base = { datasets: [file], grouping: { kind: 'language' as const }, detectors, budgetMs: 1000 };
    await assert.rejects(auditGuardDataset({ ...base, family: null }), /name the detector family/);
    await assert.rejects(
      auditGuardDataset({ ...base, family: 'toxicity' }),
      /no detector of family `toxicity`/,
    );
  });
});

describe('parapet audit guard --dataset', () => {
  test('the built-in pii detector per team: exact rates, JSON and text', async () => {
    const file = writeJsonl('teams.jsonl', [
      ...times(10, (i) => ({
        text: i < 4 ? `write to ada${i}@example.com` : `hello number ${i}`,
        label: 'benign',
        team: 'north',
      })),
      ...times(10, (i) => ({
        text: i < 1 ? `mail bob${i}@example.com` : `good morning ${i}`,
        label: 'benign',
        team: 'south',
      })),
    ]);
    const json = await runGuardCli(
      ['--dataset', file, '--group-field', 'team', '--family', 'pii', '--bootstrap', '0', '--json'],
      { cwd: tmp.dir },
    );
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as GuardReport;
    assert.deepEqual(
      report.groups.map((g) => [g.group, g.events, g.rates[0]!.events, g.fpr.value]),
      [
        ['north', 10, 4, 0.4],
        ['south', 10, 1, 0.1],
      ],
    );
    close(report.parity.find((p) => p.metric === 'fpr')!.ratio.value, 0.25, 'FPR ratio');
    const text = await runGuardCli(
      ['--dataset', file, '--group-field', 'team', '--family', 'pii', '--bootstrap', '100'],
      {
        cwd: tmp.dir,
      },
    );
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^Guard fairness by team — dataset /);
    assert.match(text.stdout, /FPR \(false-positive parity\)\s+ratio 0\.25 \[/);
  });

  test('usage errors exit 2', async () => {
    const file = writeJsonl('usage.jsonl', [{ text: 'x', label: 'benign' }]);
    for (const argv of [
      ['--dataset', file, '--family', 'pii'],
      ['--dataset', file, '--by', 'language'],
      ['--dataset', join(tmp.dir, 'missing.jsonl'), '--by', 'language', '--family', 'pii'],
      ['--dataset', file, '--by', 'language', '--family', 'pii', '--since', '7d'],
      ['--dataset', file, '--by', 'language', '--family', 'pii', '--threshold', '2'],
      ['--dataset', file, '--by', 'language', '--family', 'pii', '--model', 'gpt-4o'],
    ]) {
      const r = await runGuardCli(argv, { cwd: tmp.dir });
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    }
  });

  test('an invalid policy file prints its problems and exits 1', async () => {
    const file = writeJsonl('pol.jsonl', [{ text: 'x', label: 'benign' }]);
    const policy = join(tmp.dir, 'bad-policy.yaml');
    writeFileSync(
      policy,
      'rules:\n  - id: r1\n    when: { detections: { no_such_family: {} } }\n    action: block\n',
    );
    const r = await runGuardCli(['--dataset', file, '--by', 'language', '--policy', policy], {
      cwd: tmp.dir,
    });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /bad-policy\.yaml:3:\d+: error: .*no_such_family/);
  });
});
