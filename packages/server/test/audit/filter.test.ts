import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileFilter, FilterError, MAX_FILTER_DEPTH, parseFilter } from '../../src/audit/filter.ts';

const HEADER = [
  'days_b_screening_arrest',
  'is_recid',
  'c_charge_degree',
  'score_text',
  'race',
  'age',
  'odd name',
];

/** Rows as objects over HEADER; missing keys are empty cells. */
function row(values: Partial<Record<(typeof HEADER)[number], string>>): string[] {
  return HEADER.map((name) => values[name] ?? '');
}

function keeps(expression: string, values: Partial<Record<string, string>>): boolean {
  return compileFilter(parseFilter(expression), HEADER)(row(values));
}

function errorOf(expression: string, header: readonly string[] = HEADER): FilterError {
  try {
    compileFilter(parseFilter(expression), header);
  } catch (error) {
    assert.ok(error instanceof FilterError, `expected a FilterError, got ${String(error)}`);
    return error;
  }
  assert.fail(`\`${expression}\` should not compile`);
}

const PROPUBLICA =
  'days_b_screening_arrest <= 30 and days_b_screening_arrest >= -30 and is_recid != -1 and c_charge_degree != "O" and score_text != "N/A"';

describe('--filter expressions', () => {
  test("ProPublica's COMPAS filter keeps and drops the right rows", () => {
    const base = { days_b_screening_arrest: '-1', is_recid: '1', c_charge_degree: 'F', score_text: 'High' };
    assert.equal(keeps(PROPUBLICA, base), true);
    assert.equal(keeps(PROPUBLICA, { ...base, days_b_screening_arrest: '30' }), true, '30 is inside');
    assert.equal(keeps(PROPUBLICA, { ...base, days_b_screening_arrest: '-30' }), true, '-30 is inside');
    assert.equal(keeps(PROPUBLICA, { ...base, days_b_screening_arrest: '31' }), false);
    assert.equal(keeps(PROPUBLICA, { ...base, days_b_screening_arrest: '-31' }), false);
    assert.equal(keeps(PROPUBLICA, { ...base, is_recid: '-1' }), false);
    assert.equal(keeps(PROPUBLICA, { ...base, c_charge_degree: 'O' }), false);
    assert.equal(keeps(PROPUBLICA, { ...base, score_text: 'N/A' }), false);
    // An empty days_b_screening_arrest is NA: the comparison is unknown and the row is dropped (as in R).
    assert.equal(keeps(PROPUBLICA, { ...base, days_b_screening_arrest: '' }), false);
  });

  test('numbers compare numerically, text as text; cells are trimmed', () => {
    assert.equal(keeps('age > 9', { age: '10' }), true, '10 > 9 as numbers (as text "10" < "9")');
    assert.equal(keeps('age = 10', { age: ' 10.0 ' }), true);
    assert.equal(keeps('race = "Caucasian"', { race: 'Caucasian' }), true);
    assert.equal(keeps('race = "caucasian"', { race: 'Caucasian' }), false, 'text is case-sensitive');
    assert.equal(keeps("race < 'B'", { race: 'African-American' }), true);
    assert.equal(keeps('age >= 1e1', { age: '10' }), true);
    assert.equal(keeps('age == 10 and age <> 11', { age: '10' }), true, '== and <> are accepted');
  });

  test('precedence: not binds tighter than and, and tighter than or; parentheses override', () => {
    const r = { age: '20', race: 'Asian' };
    // true or (false and false) = true
    assert.equal(keeps('age = 20 or age = 1 and race = "x"', r), true);
    // (true or false) and false = false
    assert.equal(keeps('(age = 20 or age = 1) and race = "x"', r), false);
    assert.equal(keeps('not age = 1 and race = "Asian"', r), true);
    assert.equal(keeps('not (age = 20 and race = "Asian")', r), false);
    assert.equal(keeps('NOT age = 20 OR race = "Asian"', r), true, 'keywords in any case');
  });

  test('in, not in, and is [not] empty', () => {
    assert.equal(keeps('score_text in ("Medium", "High")', { score_text: 'High' }), true);
    assert.equal(keeps('score_text in ("Medium", "High")', { score_text: 'Low' }), false);
    assert.equal(keeps('score_text not in ("Medium", "High")', { score_text: 'Low' }), true);
    assert.equal(keeps('age in (18, 19.5, -3)', { age: '19.50' }), true, 'numbers compare numerically');
    assert.equal(keeps('age in (18, "n/a")', { age: 'n/a' }), true);
    assert.equal(keeps('age is empty', { age: '  ' }), true);
    assert.equal(keeps('age is not empty', { age: '' }), false);
    assert.equal(keeps('age is empty or age > 3', { age: '' }), true, 'explicit handling of missing cells');
  });

  test('missing values follow three-valued logic (unknown is never kept)', () => {
    // age is empty: every comparison with it is unknown.
    assert.equal(keeps('age != 5', {}), false);
    assert.equal(keeps('not age = 5', {}), false, 'not unknown is unknown');
    assert.equal(keeps('age not in (1, 2)', {}), false);
    assert.equal(keeps('age = 5 or race = "x"', { race: 'x' }), true, 'unknown or true is true');
    assert.equal(keeps('not (age = 5 and race = "x")', { race: 'y' }), true, 'unknown and false is false');
    // A non-numeric cell compared with a number is unknown too, and with text it is just text.
    assert.equal(keeps('age > 3', { age: 'old' }), false);
    assert.equal(keeps('not age > 3', { age: 'old' }), false);
    assert.equal(keeps('age in (1, "old")', { age: 'old' }), true);
  });

  test('backquoted column names may hold spaces and keywords', () => {
    assert.equal(keeps('`odd name` = "v"', { 'odd name': 'v' }), true);
    assert.deepEqual(
      parseFilter('`in` = 1 and `a``b` = 2').columns.map((c) => c.name),
      ['in', 'a`b'],
    );
  });

  test('parse errors point at the column of the expression', () => {
    const cases: [string, number, RegExp][] = [
      ['age <= and race = "x"', 8, /expected a number or a quoted text after `<=`, found `and`/],
      ['race = Caucasian', 8, /quote text values: "Caucasian"/],
      ['(age > 3 and race = "x"', 24, /expected `\)` to close the `\(` at column 1/],
      ['age > 3)', 8, /unexpected `\)` with no `\(`/],
      ['age > 3 race = "x"', 9, /expected `and`, `or` or the end of the expression, found `race`/],
      ['age ~ 3', 5, /unexpected `~`/],
      ['race = "open', 8, /unterminated text/],
      ['age', 4, /after the column `age`, found the end of the expression/],
      ['30 <= age', 1, /expected a column name, found `30`/],
      ['age in 1, 2', 8, /expected `\(` after `in`/],
      ['age is full', 8, /expected `empty` after `is`/],
      ['age ! 3', 5, /write `not` or `!=`/],
      ['age > 12abc', 7, /invalid number `12a`/],
      ['', 1, /the filter is empty/],
      ['age > 3 and', 12, /expected a column name, `not` or `\(`, found the end/],
    ];
    for (const [expression, column, message] of cases) {
      const error = errorOf(expression);
      assert.equal(error.column, column, `column for \`${expression}\`: ${error.message}`);
      assert.match(error.message, message);
      assert.match(error.message, new RegExp(`at column ${column}\\)$`));
    }
    assert.equal(errorOf('age <= and x').pointer(''), 'age <= and x\n       ^\n');
  });

  test('an unknown column names the columns that exist, with a suggestion', () => {
    const error = errorOf('age > 3 and rac = "x"');
    assert.equal(error.column, 13);
    assert.match(error.message, /unknown column `rac`; did you mean `race`\?/);
    assert.match(error.message, /The columns are: days_b_screening_arrest, is_recid,/);
  });

  test('nesting is bounded and long expressions parse in linear time', () => {
    const deep = `${'('.repeat(MAX_FILTER_DEPTH + 1)}age = 1${')'.repeat(MAX_FILTER_DEPTH + 1)}`;
    assert.match(errorOf(deep).message, /nested deeper than 100 levels/);
    const ok = `${'('.repeat(50)}age = 1${')'.repeat(50)}`;
    assert.equal(keeps(ok, { age: '1' }), true);

    const terms = Array.from({ length: 20_000 }, (_, i) => `age = ${i}`).join(' or ');
    const started = performance.now();
    const filter = compileFilter(parseFilter(terms), HEADER);
    assert.equal(filter(row({ age: '19999' })), true);
    assert.equal(filter(row({ age: '20000' })), false);
    assert.ok(performance.now() - started < 2000, 'a 20,000-term expression compiles and runs quickly');
  });
});
