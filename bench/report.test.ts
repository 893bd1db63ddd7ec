import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { LoadResult } from './load-generator.ts';
import {
  checkTargets,
  type LoadRun,
  prependResultsSection,
  RESULTS_HEADER,
  summariseLoad,
  summariseMemory,
  summariseTtft,
  throughputRatio,
} from './report.ts';
import type { TargetName } from './targets.ts';

const result = (rps: number, p50Ms: number, p99Ms: number): LoadResult => ({
  tool: 'wrk',
  connections: 1,
  requests: rps,
  durationSeconds: 1,
  requestsPerSecond: rps,
  p50Ms,
  p99Ms,
  non2xx: 0,
  socketErrors: 0,
});
const run = (target: TargetName, connections: number, repeat: number, r: LoadResult): LoadRun => ({
  target,
  mode: 'json',
  connections,
  repeat,
  result: r,
});

describe('report', () => {
  const runs = [
    run('direct', 1, 1, result(10_000, 0.1, 0.5)),
    run('direct', 1, 2, result(12_000, 0.2, 0.9)),
    run('direct', 1, 3, result(11_000, 0.3, 0.7)),
    run('parapet', 1, 1, result(5_000, 0.4, 1.0)),
    run('portkey', 1, 1, result(500, 8, 40)),
    run('parapet', 50, 1, result(9_000, 5, 9)),
    run('portkey', 50, 1, result(1_000, 50, 90)),
    run('direct', 50, 1, result(20_000, 2, 8)),
  ];

  test('cells hold medians over repeats and the overhead over direct', () => {
    const cells = summariseLoad(runs);
    const direct = cells.find((c) => c.target === 'direct' && c.connections === 1)!;
    assert.deepEqual(
      [direct.runs, direct.requestsPerSecond, direct.p50Ms, direct.p99Ms],
      [3, 11_000, 0.2, 0.7],
    );
    const parapet = cells.find((c) => c.target === 'parapet' && c.connections === 1)!;
    assert.ok(Math.abs(parapet.overheadP50Ms - 0.2) < 1e-9);
    assert.ok(Math.abs(parapet.overheadP99Ms - 0.3) < 1e-9);
    assert.deepEqual(
      cells.map((c) => `${c.connections}:${c.target}`),
      ['1:direct', '1:parapet', '1:portkey', '50:direct', '50:parapet', '50:portkey'],
    );
    assert.equal(throughputRatio(cells, 'json', 50), 9);
    assert.equal(throughputRatio(cells, 'stream', 50), undefined);
  });

  test('targets pass, fail, or are not measured', () => {
    const cells = summariseLoad(runs);
    const ttft = summariseTtft(
      new Map([
        ['direct', { ttftMs: [0.3, 0.3], totalMs: [0.4, 0.4], errors: 0 }],
        ['parapet', { ttftMs: [1.5, 1.5], totalMs: [1.6, 1.6], errors: 0 }],
      ]),
    );
    const checks = checkTargets(cells, ttft, undefined, [1, 50]);
    assert.deepEqual(
      checks.map((c) => c.pass),
      [true, true, true, false, undefined, undefined],
    );
  });

  test('memory growth is the last-half slope', () => {
    const flat = summariseMemory('parapet', 50, [
      { requests: 0, rssMb: 60 },
      { requests: 10_000, rssMb: 80 },
      { requests: 20_000, rssMb: 81 },
      { requests: 30_000, rssMb: 80 },
      { requests: 40_000, rssMb: 81 },
    ]);
    assert.equal(flat.growing, false);
    assert.equal(flat.finalRssMb, 81);
    const leaking = summariseMemory('parapet', 50, [
      { requests: 0, rssMb: 60 },
      { requests: 10_000, rssMb: 70 },
      { requests: 20_000, rssMb: 80 },
      { requests: 30_000, rssMb: 90 },
    ]);
    assert.equal(leaking.growing, true);
    assert.ok(Math.abs(leaking.lastHalfSlopeMbPer10k - 10) < 1e-9);
    // A last-half rise within GC noise (slope under two standard errors) is not a trend.
    const noisy = summariseMemory(
      'parapet',
      50,
      [112.5, 168.9, 166.0, 158.0, 158.9, 156.5, 157.7, 155.0, 156.8, 157.8, 160.5].map((rssMb, i) => ({
        requests: i * 10_000,
        rssMb,
      })),
    );
    assert.ok(noisy.lastHalfSlopeMbPer10k > 0.5);
    assert.equal(noisy.growing, false);
  });

  test('RESULTS.md keeps its header and puts the newest section first', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'bench-report-')), 'RESULTS.md');
    prependResultsSection(path, '## first\n\nold numbers\n');
    prependResultsSection(path, '## second\n\nnew numbers\n');
    const text = readFileSync(path, 'utf8');
    assert.ok(text.startsWith(RESULTS_HEADER));
    assert.ok(text.indexOf('## second') < text.indexOf('## first'));
    writeFileSync(path, '# Custom header\n\nintro\n');
    prependResultsSection(path, '## third\n');
    assert.equal(readFileSync(path, 'utf8'), '# Custom header\n\nintro\n\n## third\n');
  });
});
