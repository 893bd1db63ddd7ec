import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '@parapet/core';

const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');

test('docs/errors.md lists exactly the codes in the error table, with their status and type', () => {
  const rows = new Map<string, { status: number; type: string }>();
  for (const line of doc.split('\n')) {
    const m = /^\| `(PARAPET_[A-Z0-9_]+)` \| (\d{3}) \| `([a-z_]+)` \|/.exec(line);
    if (m) rows.set(m[1]!, { status: Number(m[2]), type: m[3]! });
  }
  assert.deepEqual([...rows.keys()].sort(), Object.keys(ERROR_CODES).sort());
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    assert.deepEqual(rows.get(code), { status: spec.status, type: spec.type }, code);
  }
});

test('every code follows the PARAPET_<AREA>_<WHAT> naming', () => {
  for (const code of Object.keys(ERROR_CODES)) assert.match(code, /^PARAPET_[A-Z]+_[A-Z0-9_]+$/);
});
