// docs/policy.md and these tests stay in step: every numbered rule (S1…, V1…) of the docs is cited by
// the name of at least one test here, and no test cites a rule the docs do not have.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const DOCS = readFileSync(new URL('../../../../docs/policy.md', import.meta.url), 'utf8');
const HERE = new URL('./', import.meta.url);

/** Rule numbers defined in the docs: `- **S12** …`. */
function documented(): string[] {
  return [...DOCS.matchAll(/^- \*\*([SV]\d+)\*\* /gm)].map((m) => m[1]!);
}

/** Rule numbers cited at the start of test names in this folder: `test('S3, S4: …'`. */
function cited(): Set<string> {
  const ids = new Set<string>();
  for (const name of readdirSync(HERE)) {
    if (!name.endsWith('.test.ts')) continue;
    const source = readFileSync(new URL(name, HERE), 'utf8');
    for (const m of source.matchAll(/\btest\(\s*(['"`])((?:[SV]\d+)(?:, [SV]\d+)*):/g)) {
      for (const id of m[2]!.split(', ')) ids.add(id);
    }
  }
  return ids;
}

test('the docs number their rules S1…Sn and V1…Vn in order, each once', () => {
  const ids = documented();
  for (const prefix of ['S', 'V']) {
    const numbers = ids.filter((id) => id.startsWith(prefix)).map((id) => Number(id.slice(1)));
    assert.ok(numbers.length > 0, prefix);
    assert.deepEqual(
      numbers,
      numbers.map((_, i) => i + 1),
      `${prefix} rules are numbered 1, 2, 3, … in the order they appear`,
    );
  }
});

test('every numbered rule of docs/policy.md has a test citing it, and every cited rule exists', () => {
  const ids = documented();
  const tested = cited();
  assert.deepEqual(
    ids.filter((id) => !tested.has(id)),
    [],
    'rules without a test',
  );
  assert.deepEqual(
    [...tested].filter((id) => !ids.includes(id)),
    [],
    'tests citing a rule the docs do not have',
  );
});

test('references to numbered rules inside the docs point at rules that exist', () => {
  const ids = new Set(documented());
  // `S9` in backticks is a hazard code, not a rule reference.
  const references = [...DOCS.matchAll(/(?<![`\w*])([SV]\d+)\b(?![`*])/g)].map((m) => m[1]!);
  assert.ok(references.length > 0);
  assert.deepEqual(
    references.filter((id) => !ids.has(id)),
    [],
  );
});
