/**
 * The policy examples the README and docs/policy.md point at run as documented: the example policy
 * validates against the default deployment and its cases pass.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/main.ts';

const examples = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'parapet-examples-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const write = (text: string): boolean => {
    out += text;
    return true;
  };
  const code = await runCli(argv, { stdout: { write }, stderr: { write }, env: {}, cwd });
  return { code, out };
}

test('examples/policy.yaml validates against the default deployment', async () => {
  const { code, out } = await run(['policy', 'validate', join(examples, 'policy.yaml')]);
  assert.equal(code, 0, out);
  assert.match(out, /valid policy \(6 rules, 0 warnings\)/);
});

test('examples/policy-cases.yaml passes against examples/policy.yaml', async () => {
  const { code, out } = await run([
    'policy',
    'test',
    join(examples, 'policy.yaml'),
    '--cases',
    join(examples, 'policy-cases.yaml'),
  ]);
  assert.equal(code, 0, out);
  assert.match(out, /6 passed, 0 failed/);
});
