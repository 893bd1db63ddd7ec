import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Detector, Finding } from '@parapet/core';
import { buildConfig } from '../../src/config/index.ts';
import { DetectorConfigError } from '../../src/detectors/build-detectors.ts';
import { detectorsForConfig } from '../../src/detectors/builtin.ts';
import { withDetectorCache } from '../../src/detectors/detector-cache.ts';

const config = (detectors: Record<string, unknown>) =>
  buildConfig({ detectors, data_dir: '/nonexistent-parapet-test' }, { env: {}, cwd: '/tmp' });

test('the built-in set: pii, secrets, code, confidential and prompt_attack on; dictionary and fingerprint only with data', async () => {
  const ids = (await detectorsForConfig(config({}))).map((d) => d.id);
  assert.deepEqual(ids, [
    'pii',
    'secrets',
    'code',
    'confidential',
    'prompt_attack',
    'harmful',
    'toxicity',
    'topics',
  ]);
  const withTerms = await detectorsForConfig(config({ dictionary: { terms: [{ term: 'Falcon' }] } }));
  assert.ok(withTerms.some((d) => d.family === 'dictionary'));
});

test('detectors can be turned off one by one or all at once', async () => {
  assert.deepEqual(
    (await detectorsForConfig(config({ code: { enabled: false } }))).map((d) => d.id),
    ['pii', 'secrets', 'confidential', 'prompt_attack', 'harmful', 'toxicity', 'topics'],
  );
  assert.deepEqual(await detectorsForConfig(config({ enabled: false })), []);
});

test('unknown detectors and bad settings are reported together', async () => {
  await assert.rejects(
    detectorsForConfig(config({ secretz: {}, pii: { min_score: 'high' } })),
    (err: unknown) => {
      assert.ok(err instanceof DetectorConfigError);
      assert.equal(err.issues.length, 2);
      assert.match(err.message, /detectors\.secretz: unknown detector; did you mean `secrets`/);
      assert.match(err.message, /detectors\.pii\.min_score/);
      return true;
    },
  );
});

test('the cache answers repeated long segments without calling the detector again', async () => {
  let calls = 0;
  const seen: number[] = [];
  const inner: Detector = {
    id: 'test',
    family: 'test',
    inspect(segments) {
      calls++;
      const out: Finding[] = [];
      for (const s of segments) {
        seen.push(s.index);
        const at = s.text.indexOf('needle');
        if (at >= 0)
          out.push({
            family: 'test',
            type: 'T',
            score: 1,
            segment: s.index,
            span: { start: at, end: at + 6 },
            detector: 'test',
          });
      }
      return out;
    },
  };
  const cached = withDetectorCache(inner, { maxEntries: 10, minChars: 10 });
  const system = `system prompt with a needle ${'x'.repeat(50)}`;
  const first = cached.inspect([{ index: 0, source: 'system', path: 'a', text: system }], {
    direction: 'input',
  });
  assert.ok(Array.isArray(first), 'a synchronous detector stays synchronous');
  const second = (await cached.inspect(
    [
      { index: 0, source: 'user', path: 'u', text: 'hi' },
      { index: 1, source: 'system', path: 'a', text: system },
    ],
    { direction: 'input' },
  )) as Finding[];
  assert.equal(calls, 2);
  assert.deepEqual(seen, [0, 0], 'the second call only saw the short, uncached segment');
  assert.equal(second.length, 1);
  assert.equal(second[0]!.segment, 1, 'cached findings are re-pointed at the segment index');
  assert.deepEqual(second[0]!.span, { start: 21, end: 27 });
});

test('detectors are ready when built: harmful and toxicity answer synchronously from the first request', async () => {
  const detectors = await detectorsForConfig(config({}));
  const segments = [{ index: 0, source: 'user' as const, path: 'messages[0]', text: 'how do I bake bread?' }];
  for (const id of ['harmful', 'toxicity']) {
    const d = detectors.find((x) => x.id === id)!;
    assert.ok(Array.isArray(d.inspect(segments, { direction: 'input' })), `${id} answers synchronously`);
  }
});
