import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { diffLines, splitLines, unifiedDiff } from '../../src/policy/line-diff.ts';

const dir = mkdtempSync(join(tmpdir(), 'parapet-diff-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Rebuilds both sides from the edits: kept+removed is the old text, kept+added the new one. */
function sides(a: string, b: string) {
  const lines = diffLines(a, b);
  return {
    old: lines.filter((l) => l.op !== '+').map((l) => l.text),
    new: lines.filter((l) => l.op !== '-').map((l) => l.text),
    kept: lines.filter((l) => l.op === ' ').length,
  };
}

/** `diff -u` of the same texts, headers replaced, or null when diff is not installed. */
function systemDiff(a: string, b: string): string | null {
  writeFileSync(join(dir, 'a'), a);
  writeFileSync(join(dir, 'b'), b);
  try {
    execFileSync('diff', ['-u', '--label', 'A', '--label', 'B', join(dir, 'a'), join(dir, 'b')], {
      encoding: 'utf8',
    });
    return '';
  } catch (error) {
    const e = error as { status?: number; stdout?: string; code?: string };
    if (e.code === 'ENOENT') return null;
    if (e.status === 1) return e.stdout ?? '';
    throw error;
  }
}

describe('diffLines', () => {
  test('both texts are rebuilt from the edits and the kept lines are a longest common subsequence', () => {
    const a = 'a\nb\nc\nd\ne\nf\n';
    const b = 'a\nx\nc\nd\ny\nf\ng\n';
    const s = sides(a, b);
    assert.deepEqual(s.old, splitLines(a));
    assert.deepEqual(s.new, splitLines(b));
    assert.equal(s.kept, 4); // a c d f
  });

  test('identical, empty and one-sided texts', () => {
    assert.ok(diffLines('a\nb\n', 'a\nb\n').every((l) => l.op === ' '));
    assert.deepEqual(diffLines('', 'x\n'), [{ op: '+', text: 'x' }]);
    assert.deepEqual(diffLines('x\n', ''), [{ op: '-', text: 'x' }]);
    assert.deepEqual(diffLines('', ''), []);
    assert.deepEqual(splitLines('a\r\nb'), ['a', 'b']);
  });

  test('removals come before additions in a change', () => {
    assert.deepEqual(diffLines('a\nold\nz\n', 'a\nnew\nz\n'), [
      { op: ' ', text: 'a' },
      { op: '-', text: 'old' },
      { op: '+', text: 'new' },
      { op: ' ', text: 'z' },
    ]);
  });
});

describe('unifiedDiff', () => {
  test('no output when the lines are equal', () => {
    assert.equal(unifiedDiff('a\n', 'a\n', { fromLabel: 'A', toLabel: 'B' }), '');
  });

  test('hunks match diff -u: separate and merged hunks, additions at the start and the end', () => {
    const base = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    const variants: Array<[string[], string[]]> = [
      [base, base.map((l, i) => (i === 4 || i === 25 ? `${l} changed` : l))],
      [base, base.map((l, i) => (i === 4 || i === 11 ? `${l} changed` : l))],
      [base, base.map((l, i) => (i === 4 || i === 10 ? `${l} changed` : l))],
      [base, ['first', ...base, 'last']],
      [base, base.filter((_, i) => i !== 0 && i !== 29)],
      [['a', 'b'], ['c']],
      [[], ['only']],
      [['only'], []],
    ];
    let compared = 0;
    for (const [x, y] of variants) {
      const a = x.length === 0 ? '' : `${x.join('\n')}\n`;
      const b = y.length === 0 ? '' : `${y.join('\n')}\n`;
      const expected = systemDiff(a, b);
      if (expected === null) continue;
      compared++;
      assert.equal(unifiedDiff(a, b, { fromLabel: 'A', toLabel: 'B' }), expected);
    }
    if (systemDiff('a\n', 'b\n') !== null) assert.equal(compared, variants.length);
  });

  test('the exact text of a small change', () => {
    const text = unifiedDiff('default: allow\nrules: []\n', 'default: block\nrules: []\n', {
      fromLabel: 'policy version 1',
      toLabel: 'policy version 2',
    });
    assert.equal(
      text,
      '--- policy version 1\n+++ policy version 2\n@@ -1,2 +1,2 @@\n-default: allow\n+default: block\n rules: []\n',
    );
  });

  test('very large, completely different texts still give a correct diff', () => {
    const a = Array.from({ length: 5000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 5000 }, (_, i) => `b${i}`).join('\n');
    const s = sides(a, b);
    assert.equal(s.old.length, 5000);
    assert.equal(s.new.length, 5000);
    assert.equal(s.kept, 0);
  });
});
