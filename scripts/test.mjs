#!/usr/bin/env node
// Runs every *.test.ts under packages/*/test, bench/ and training/ with Node's test runner (TypeScript through tsx).
// Usage: npm test [-- <substring filter on file path>]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'fixtures' || name === '.work') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const testDir = join(root, 'packages', pkg, 'test');
  try {
    statSync(testDir);
  } catch {
    continue;
  }
  walk(testDir, files);
}
walk(join(root, 'bench'), files);
walk(join(root, 'training'), files);
const selected = files.filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...selected],
  {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, PARAPET_LOG_LEVEL: process.env.PARAPET_LOG_LEVEL ?? 'silent' },
  },
);
process.exit(result.status ?? 1);
