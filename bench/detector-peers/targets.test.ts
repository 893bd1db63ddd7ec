import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BENCH_TARGETS, TARGET_IDS } from './index.ts';
import { loadTargetOrSkip } from './test-kit.ts';

const TEXT = 'please mail ada@example.com about it';
const EMAIL = { start: 12, end: 27, type: 'EMAIL_ADDRESS' };

describe('benchmark targets', () => {
  for (const id of TARGET_IDS) {
    test(`${id}: flags an email address, reports its span with the Presidio name, passes plain text`, async (t) => {
      // hai-guardrails' span recovery is tested in spans.test.ts.
      const target = await loadTargetOrSkip(t, id, BENCH_TARGETS);
      if (target === null) return;
      assert.equal(await target.all(TEXT), true);
      assert.equal(await target.all('hello there, how are you'), false);
      assert.ok(target.pii, 'every target has a PII check');
      assert.deepEqual(
        (await target.pii(TEXT)).filter((s) => s.type === 'EMAIL_ADDRESS'),
        [EMAIL],
      );
      assert.ok(target.piiTypes.includes('EMAIL_ADDRESS'));
      if (target.secrets !== undefined) {
        assert.equal(await target.secrets('hello there, how are you'), false);
      }
    });
  }
});
