import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Segment } from '@parapet/core';
import { DetectorConfigError } from '../../../src/detectors/build-detectors.ts';
import { buildExternalDetectors, closeExternalDetectors } from '../../../src/detectors/external/config.ts';
import { type MockEndpoint, startMockEndpoint } from './mock-endpoint.ts';
import { buildTinyClassifier } from './tiny-onnx.ts';

const dir = mkdtempSync(join(tmpdir(), 'parapet-external-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'm.onnx'), buildTinyClassifier({ embeddings: [[0], [0], [1]], weights: [[-3, 3]] }));
writeFileSync(join(dir, 'v.json'), JSON.stringify({ '[UNK]': 0, '[PAD]': 1, bad: 2 }));

let endpoint: MockEndpoint;
before(async () => {
  endpoint = await startMockEndpoint((req) => {
    const text = JSON.stringify(req.body);
    if (req.path === '/v2/guard') {
      const hit = text.includes('bad');
      return {
        json: {
          flagged: hit,
          breakdown: [
            { detector_type: 'prompt_attack', detected: hit },
            { detector_type: 'moderated_content/violence', detected: hit },
          ],
        },
      };
    }
    return {
      json: {
        choices: [{ message: { role: 'assistant', content: text.includes('bad') ? 'unsafe\nS1' : 'safe' } }],
      },
    };
  });
});
after(() => endpoint.close());

function seg(index: number, text: string): Segment {
  return { index, source: 'user', path: `messages[${index}].content[0]`, text };
}

describe('buildExternalDetectors', () => {
  test('builds every type from snake_case config, with content-hash caching', async () => {
    const detectors = await buildExternalDetectors(
      [
        {
          type: 'onnx',
          id: 'local.bad_words',
          model_path: 'm.onnx',
          tokenizer_path: 'v.json',
          family: 'prompt_attack',
          labels: ['ok', 'bad'],
          positive_labels: ['bad'],
          threshold: 0.6,
        },
        {
          type: 'llm_judge',
          base_url: `${endpoint.url}/v1`,
          model: 'llama-guard3',
          format: 'llama-guard-3',
          timeout_ms: 2000,
        },
        {
          type: 'lakera_guard',
          base_url: endpoint.url,
          api_key: 'k',
          families: ['prompt_attack', 'harmful'],
        },
        { type: 'llm_judge', id: 'off', enabled: false, base_url: 'http://127.0.0.1:1/v1', model: 'x' },
      ],
      { baseDir: dir },
    );
    try {
      assert.deepEqual(
        detectors.map((d) => [d.id, d.family]),
        [
          ['local.bad_words', 'prompt_attack'],
          ['external.llm_judge', 'harmful'],
          ['external.lakera_guard.prompt_attack', 'prompt_attack'],
          ['external.lakera_guard.harmful', 'harmful'],
        ],
      );
      const segments = [seg(0, 'a bad thing'), seg(1, 'a good thing')];
      const first = await Promise.all(detectors.map((d) => d.inspect(segments, { direction: 'input' })));
      assert.deepEqual(
        first.map((list) => list.map((f) => [f.segment, f.type])),
        [[[0, 'bad']], [[0, 'S1']], [[0, 'prompt_injection']], [[0, 'S1']]],
      );
      const calls = endpoint.requests.length;
      const again = await Promise.all(detectors.map((d) => d.inspect(segments, { direction: 'input' })));
      assert.deepEqual(again, first);
      assert.equal(endpoint.requests.length, calls, 'cached segments are not sent again');
    } finally {
      await closeExternalDetectors(detectors);
    }
  });

  test('reports every problem at once, with paths', async () => {
    await assert.rejects(
      buildExternalDetectors([
        {
          type: 'onnx',
          model_path: 'm.onnx',
          tokenizer_path: 'v.json',
          family: 'x',
          labels: ['a'],
          positive_labels: ['b'],
        },
        { type: 'llm_judge', base_url: 'not a url', model: 'm' },
        { type: 'lakera_guard', families: ['nope'] },
        { type: 'magic' },
        { type: 'lakera_guard', apikey: 'k' },
      ]),
      (err: unknown) => {
        assert.ok(err instanceof DetectorConfigError);
        const text = err.issues.join('\n');
        assert.match(text, /detectors\.external\[1\]\.base_url: must be an http/);
        assert.match(text, /detectors\.external\[2\]\.families\[0\]/);
        assert.match(text, /detectors\.external\[3\]\.type/);
        assert.match(text, /detectors\.external\[4\]: .*apikey/);
        return true;
      },
    );
    await assert.rejects(
      buildExternalDetectors(
        [
          {
            type: 'onnx',
            model_path: 'm.onnx',
            tokenizer_path: 'v.json',
            family: 'x',
            labels: ['a'],
            positive_labels: ['b'],
          },
        ],
        { baseDir: dir },
      ),
      /detectors\.external\[0\]: positive label `b` is not one of the labels/,
    );
    await assert.rejects(
      buildExternalDetectors([
        { type: 'llm_judge', base_url: 'http://127.0.0.1:1/v1', model: 'a' },
        { type: 'llm_judge', base_url: 'http://127.0.0.1:1/v1', model: 'b' },
      ]),
      /detector id `external\.llm_judge` is already used by detectors\.external\[0\]/,
    );
  });

  test('an empty or missing list builds nothing; a bad model file fails the build', async () => {
    assert.deepEqual(await buildExternalDetectors(undefined), []);
    assert.deepEqual(await buildExternalDetectors([]), []);
    await assert.rejects(
      buildExternalDetectors(
        [
          {
            type: 'onnx',
            model_path: 'v.json',
            tokenizer_path: 'v.json',
            family: 'x',
            labels: ['a', 'b'],
            positive_labels: ['b'],
          },
        ],
        { baseDir: dir },
      ),
      /could not load its model file/,
    );
  });
});
