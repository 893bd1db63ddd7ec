/** What the two target test files share: load a benchmark target the way the benchmark's workers do. */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

/** hai-guardrails' targets: tested in a worker process only (see hai-guardrails.ts). */
const WORKER_ONLY = new Set(['hai-guardrails', 'hai-guardrails-attack']);

/**
 * Loads target `id` from `loaders`, or skips the test: hai-guardrails' import starts worker pools that fail
 * with uncaught errors, which the test runner reports as failures even though the target swallows them
 * (it runs in the benchmark's own worker process, tested there), and a peer whose package is not installed
 * is skipped. Checks the target's id and that it names its checks.
 */
export async function loadTargetOrSkip<T extends { id: string; checks: readonly unknown[] }>(
  t: TestContext,
  id: string,
  loaders: Readonly<Record<string, () => Promise<T>>>,
): Promise<T | null> {
  if (WORKER_ONLY.has(id)) {
    t.skip('hai-guardrails runs only in a benchmark worker process (import-time worker errors)');
    return null;
  }
  let target: T;
  try {
    target = await loaders[id]!();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    t.skip(`${id} is not installed`);
    return null;
  }
  assert.equal(target.id, id);
  assert.ok(target.checks.length > 0);
  return target;
}
