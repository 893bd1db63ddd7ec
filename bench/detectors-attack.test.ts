import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AttackSuiteReport,
  type AttackTargetReport,
  checkStackTargets,
  formatAttackReport,
  measureAttackSuite,
  rateCell,
  STACK_TARGETS,
  type WorkerRunner,
} from './detectors-attack.ts';
import { ATTACK_SLICES } from './detectors-data.ts';
import { summarize } from './detectors-report.ts';

const latency = (ms: number) => summarize(Array.from({ length: 100 }, () => ms));

function target(id: string, p50: number, quality?: AttackTargetReport['quality']): AttackTargetReport {
  return {
    id,
    label: id,
    status: 'ok',
    checks: [`${id} check`],
    notes: [],
    speed: { prompt: latency(p50), promptMBps: 1, parts: {} },
    ...(quality === undefined ? {} : { quality }),
    memory: { rssMB: 100, deltaMB: 10 },
    networkAttempts: [],
  };
}

describe('Protection II benchmark report', () => {
  test('the issue-4 verdicts check the whole default stack against 0.5 ms p50 and 2 ms p99', () => {
    const [p50, p99] = checkStackTargets(target('parapet-default-stack', 0.4));
    assert.equal(p50!.verdict, 'PASS');
    assert.equal(p50!.goal, `≤ ${STACK_TARGETS.promptP50Ms} ms`);
    assert.equal(p99!.verdict, 'PASS');
    const slow = checkStackTargets(target('parapet-default-stack', 3));
    assert.deepEqual(
      slow.map((c) => c.verdict),
      ['FAIL', 'FAIL'],
    );
    assert.deepEqual(
      checkStackTargets(undefined).map((c) => c.verdict),
      ['not measured', 'not measured'],
    );
  });

  test('rateCell is the share flagged, `-` for a set the row did not score', () => {
    const t = target('x', 1, {
      totals: { a: 4, b: 0 },
      flagged: { row: { a: 1, b: 0 } },
    });
    assert.equal(rateCell(t, 'row', 'a'), '25.0%');
    assert.equal(rateCell(t, 'row', 'b'), '-');
    assert.equal(rateCell(t, 'other', 'a'), '-');
  });

  test('the section lists speed, quality rows per check, peers not run and the verdicts', () => {
    const totals = Object.fromEntries(ATTACK_SLICES.map((s) => [s.key, 10]));
    const flagged = Object.fromEntries(ATTACK_SLICES.map((s) => [s.key, s.kind === 'benign' ? 0 : 9]));
    const stack = target('parapet-default-stack', 0.3, { totals, flagged: { prompt_attack: flagged } });
    const report: AttackSuiteReport = {
      baselineRssMB: 70,
      slices: ATTACK_SLICES,
      targets: [
        stack,
        { ...target('vard', 0.05), status: 'skipped', reason: 'not installed', speed: undefined },
      ],
      notRun: [{ label: '@openai/guardrails 0.2.1', reason: 'no offline attack check' }],
      checks: checkStackTargets(stack),
      notes: ['a note'],
    };
    const text = formatAttackReport(report);
    assert.match(text, /### Protection II/);
    assert.match(text, /\| parapet-default-stack \| parapet-default-stack check \| 0\.300 \|/);
    assert.match(text, /\| vard \| SKIPPED: not installed \|/);
    assert.match(text, /\| @openai\/guardrails 0\.2\.1 \| NOT RUN: no offline attack check \|/);
    assert.match(text, /attack: jailbreak-llms-wild \(n=10\)/);
    assert.match(text, /benign: xstest \(safe\) \(n=10\)/);
    assert.match(text, /\| parapet-default-stack: prompt_attack \| 90\.0% \|/);
    assert.match(text, /1 KB prompt, p50 \| ≤ 0\.5 ms \| 0\.300 ms \| PASS \|/);
    assert.match(text, /- a note/);
  });

  test('measureAttackSuite runs speed, quality (when the target has rows) and memory in separate workers', async () => {
    const calls: string[][] = [];
    const run: WorkerRunner = async (args) => {
      calls.push([...args]);
      const phase = args[args.indexOf('--phase') + 1];
      const id = args.includes('--target') ? args[args.indexOf('--target') + 1] : null;
      if (phase === 'baseline') return { ok: true, value: { rssBytes: 50 * 1024 * 1024 } };
      if (id === 'vard') return { ok: false, reason: 'Error: cannot load' };
      if (phase === 'speed')
        return {
          ok: true,
          value: {
            label: 'stack',
            checks: ['scan()'],
            notes: ['from the target'],
            hasQuality: true,
            promptMs: [0.2, 0.3, 0.4],
            promptBytes: 3072,
            partMs: {},
            networkAttempts: [],
          },
        };
      if (phase === 'quality')
        return {
          ok: true,
          value: { totals: { a: 2 }, flagged: { r: { a: 1 } }, networkAttempts: ['example.com:443'] },
        };
      return { ok: true, value: { rssBytes: 60 * 1024 * 1024, networkAttempts: [] } };
    };
    const r = await measureAttackSuite(['vard', 'parapet-default-stack'], run, ['--quick'], true, () => {});
    // Report order, whatever order the ids came in.
    assert.deepEqual(
      r.targets.map((t) => [t.id, t.status]),
      [
        ['parapet-default-stack', 'ok'],
        ['vard', 'skipped'],
      ],
    );
    const stack = r.targets[0]!;
    assert.equal(stack.speed?.prompt.p50, 0.3);
    assert.deepEqual(stack.quality, { totals: { a: 2 }, flagged: { r: { a: 1 } } });
    assert.ok(Math.abs(stack.memory!.deltaMB - 10) < 1e-9);
    assert.deepEqual(stack.networkAttempts, ['example.com:443']);
    assert.ok(
      r.notes.some((n) => n.includes('tried to open network connections') && n.includes('example.com')),
    );
    assert.ok(r.notes.includes('from the target'));
    assert.equal(r.checks[0]!.verdict, 'PASS');
    assert.ok(r.notRun.some((p) => p.label.startsWith('@openai/guardrails')));
    const phases = calls.map((c) =>
      c.includes('--target')
        ? `${c[c.indexOf('--target') + 1]}:${c[c.indexOf('--phase') + 1]}`
        : c[c.indexOf('--phase') + 1],
    );
    assert.deepEqual(phases.slice(0, 4), [
      'baseline',
      'parapet-default-stack:speed',
      'parapet-default-stack:quality',
      'parapet-default-stack:memory',
    ]);
    assert.ok(calls.every((c) => c.includes('--suite') && c.includes('attack') && c.includes('--quick')));
  });
});
