import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countLines,
  diffStats,
  diffTexts,
  offsetOf,
  parseUnifiedDiff,
  positionAt,
  splitLines,
} from '../src/line-diff-view.ts';
import { formatIssue, formatIssuePath, issueLines, issuesOf, sortIssues } from '../src/pages/policy-types.ts';

describe('parseUnifiedDiff', () => {
  it('numbers the lines of each hunk on both sides', () => {
    const diff = [
      '--- policy version 1',
      '+++ policy version 2',
      '@@ -2,3 +2,3 @@',
      ' a',
      '-b',
      '+B',
      ' c',
      '',
    ].join('\n');
    const lines = parseUnifiedDiff(diff);
    assert.deepEqual(
      lines.map((l) => [l.kind, l.oldNo, l.newNo]),
      [
        ['file', null, null],
        ['file', null, null],
        ['hunk', null, null],
        ['ctx', 2, 2],
        ['del', 3, null],
        ['add', null, 3],
        ['ctx', 4, 4],
      ],
    );
    assert.deepEqual(diffStats(lines), { added: 1, removed: 1 });
  });

  it('reads removed lines that look like headers as removals', () => {
    const lines = parseUnifiedDiff('@@ -1,2 +1 @@\n--- x\n keep\n');
    assert.deepEqual(
      lines.map((l) => l.kind),
      ['hunk', 'del', 'ctx'],
    );
  });

  it('numbers an empty side from the line before it', () => {
    const lines = parseUnifiedDiff('@@ -3,0 +4,2 @@\n+x\n+y\n');
    assert.deepEqual(
      lines.map((l) => l.newNo),
      [null, 4, 5],
    );
  });

  it('answers no lines for an empty diff', () => {
    assert.deepEqual(parseUnifiedDiff(''), []);
  });
});

describe('diffTexts', () => {
  it('gives [] for texts with the same lines', () => {
    assert.deepEqual(diffTexts('a\nb\n', 'a\nb'), []);
  });

  it('makes hunks with context and line numbers', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].join('\n');
    const b = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', '11'].join('\n');
    const lines = diffTexts(a, b, 1);
    assert.deepEqual(
      lines.map((l) => l.text),
      ['@@ -4,3 +4,3 @@', ' 4', '-5', '+five', ' 6', '@@ -10 +10,2 @@', ' 10', '+11'],
    );
    assert.deepEqual(diffStats(lines), { added: 2, removed: 1 });
    // A parsed copy of its own output numbers the lines the same way.
    const reparsed = parseUnifiedDiff(lines.map((l) => l.text).join('\n'));
    assert.deepEqual(
      reparsed.map((l) => [l.oldNo, l.newNo]),
      lines.map((l) => [l.oldNo, l.newNo]),
    );
  });

  it('diffs from and to an empty text', () => {
    assert.deepEqual(
      diffTexts('', 'x\ny').map((l) => l.text),
      ['@@ -0,0 +1,2 @@', '+x', '+y'],
    );
    assert.deepEqual(
      diffTexts('x', '').map((l) => l.text),
      ['@@ -1 +0,0 @@', '-x'],
    );
  });
});

describe('text positions', () => {
  const text = 'default: allow\nrules:\r\n  - id: x\n';

  it('finds the offset of a line and column, clamped', () => {
    assert.equal(offsetOf(text, 1, 1), 0);
    assert.equal(offsetOf(text, 1, 10), 9);
    assert.equal(text.slice(offsetOf(text, 3, 5)), 'id: x\n');
    assert.equal(offsetOf(text, 2, 99), text.indexOf('\r'));
    assert.equal(offsetOf(text, 99, 1), text.length);
  });

  it('gives back the line and column of an offset', () => {
    assert.deepEqual(positionAt(text, offsetOf(text, 3, 5)), { line: 3, column: 5 });
    assert.deepEqual(positionAt(text, 0), { line: 1, column: 1 });
  });

  it('counts the lines a textarea shows', () => {
    assert.equal(countLines(''), 1);
    assert.equal(countLines('a\nb'), 2);
    assert.equal(countLines('a\nb\n'), 3);
    assert.deepEqual(splitLines('a\r\nb\n'), ['a', 'b']);
  });
});

describe('policy issues', () => {
  it('formats LINE:COL message with the suggestion once', () => {
    assert.equal(
      formatIssue({
        path: ['rules', 2, 'acton'],
        message: 'unknown key `acton`; did you mean `action`?',
        severity: 'error',
        suggestion: 'action',
        line: 45,
        column: 5,
      }),
      '45:5 unknown key `acton`; did you mean `action`?',
    );
    assert.equal(
      formatIssue({ path: [], message: 'bad value', severity: 'error', suggestion: 'allow', line: 1 }),
      '1 bad value (did you mean `allow`?)',
    );
    assert.equal(formatIssue({ path: [], message: 'empty', severity: 'warning' }), 'empty');
    assert.equal(formatIssuePath(['rules', 2, 'when', 'detections']), 'rules[2].when.detections');
  });

  it('sorts by position and marks each line with its worst severity', () => {
    const issues = [
      { path: [], message: 'w', severity: 'warning' as const, line: 3, column: 1 },
      { path: [], message: 'e', severity: 'error' as const, line: 3, column: 1 },
      { path: [], message: 'first', severity: 'warning' as const, line: 1, column: 4 },
    ];
    assert.deepEqual(
      sortIssues(issues).map((i) => i.message),
      ['first', 'e', 'w'],
    );
    assert.deepEqual([...issueLines(issues)].sort(), [
      [1, 'warning'],
      [3, 'error'],
    ]);
  });

  it('reads the issues of an error answer', () => {
    assert.equal(issuesOf(null), null);
    assert.equal(issuesOf({ code: 'X' }), null);
    assert.deepEqual(
      issuesOf({
        issues: [
          { path: ['document'], message: 'x' },
          { message: 'y', severity: 'error', path: [] },
        ],
      }),
      [{ message: 'y', severity: 'error', path: [] }],
    );
  });
});
