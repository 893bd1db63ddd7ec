import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildConfig, globMatch, resolveModel } from '../../src/config/index.ts';

const config = buildConfig(
  {
    upstreams: {
      openai: { type: 'openai', api_key: 'k' },
      anthropic: { type: 'anthropic', api_key: 'k' },
      local: { type: 'openai', base_url: 'http://127.0.0.1:8000/v1', models: ['llama-*', 'gpt-4o-local'] },
    },
    models: {
      'gpt-4o-mini': {
        provider: 'openai',
        model: 'gpt-4o-mini-2024-07-18',
        fallbacks: ['claude-haiku', 'llama-3-8b'],
        tags: ['public'],
        aliases: ['mini'],
        price: { input_per_mtok: 0.15, output_per_mtok: 0.6 },
      },
      'claude-haiku': {
        provider: 'anthropic',
        model: 'claude-3-5-haiku-latest',
        fallbacks: ['gpt-4o-mini', 'private'],
      },
      private: { provider: 'local', model: 'llama-3-70b', tags: ['private'], fallbacks: ['private'] },
    },
  },
  { env: {} },
);

describe('resolveModel', () => {
  test('a model-table entry resolves with its upstream model, tags, price and fallback chain', () => {
    const resolved = resolveModel(config, 'gpt-4o-mini');
    assert.deepEqual(resolved, {
      name: 'gpt-4o-mini',
      provider: 'openai',
      upstreamModel: 'gpt-4o-mini-2024-07-18',
      tags: ['public'],
      price: { input_per_mtok: 0.15, output_per_mtok: 0.6 },
      fallbacks: [
        {
          name: 'claude-haiku',
          provider: 'anthropic',
          upstreamModel: 'claude-3-5-haiku-latest',
          tags: [],
          price: null,
        },
        // claude-haiku's own fallbacks follow it; gpt-4o-mini itself is not repeated.
        { name: 'private', provider: 'local', upstreamModel: 'llama-3-70b', tags: ['private'], price: null },
        { name: 'llama-3-8b', provider: 'local', upstreamModel: 'llama-3-8b', tags: [], price: null },
      ],
    });
  });

  test('an alias resolves to its entry', () => {
    assert.equal(resolveModel(config, 'mini')?.name, 'gpt-4o-mini');
    assert.equal(resolveModel(config, 'mini')?.upstreamModel, 'gpt-4o-mini-2024-07-18');
  });

  test('names outside the table match upstream patterns in upstream order', () => {
    assert.deepEqual(resolveModel(config, 'gpt-4o-local'), {
      name: 'gpt-4o-local',
      provider: 'openai', // openai's gpt-* comes before local's exact pattern
      upstreamModel: 'gpt-4o-local',
      tags: [],
      price: null,
      fallbacks: [],
    });
    assert.equal(resolveModel(config, 'claude-sonnet-4-5')?.provider, 'anthropic');
    assert.equal(resolveModel(config, 'llama-3-8b')?.provider, 'local');
    assert.equal(resolveModel(config, 'o3-mini')?.provider, 'openai');
    assert.equal(resolveModel(config, 'text-embedding-3-small')?.provider, 'openai');
  });

  test('unknown names resolve to null', () => {
    assert.equal(resolveModel(config, 'mistral-large'), null);
    assert.equal(resolveModel(config, ''), null);
  });

  test('the demo configuration serves echo and echo-embedding', () => {
    const demo = buildConfig({}, { env: {} });
    assert.equal(resolveModel(demo, 'echo')?.provider, 'echo');
    assert.equal(resolveModel(demo, 'echo-embedding')?.provider, 'echo');
    assert.equal(resolveModel(demo, 'gpt-4o'), null);
  });
});

describe('globMatch', () => {
  test('`*` matches any run of characters, everything else is literal', () => {
    const cases: Array<[string, string, boolean]> = [
      ['gpt-*', 'gpt-4o', true],
      ['gpt-*', 'gpt-', true],
      ['gpt-*', 'gpt', false],
      ['o1*', 'o1', true],
      ['o1*', 'xo1', false],
      ['*', '', true],
      ['*-latest', 'claude-3-5-haiku-latest', true],
      ['a*b*c', 'abc', true],
      ['a*b*c', 'aXbYc', true],
      ['a*b*c', 'acb', false],
      ['a*bc*bc', 'abcbc', true],
      ['a*ab', 'ab', false],
      ['gpt-4o', 'gpt-4o', true],
      ['gpt.4o', 'gpt-4o', false],
      ['gpt-?', 'gpt-4', false],
      ['**a**', 'bab', true],
    ];
    for (const [pattern, name, expected] of cases)
      assert.equal(globMatch(pattern, name), expected, `${pattern} ~ ${name}`);
  });

  test('pathological patterns finish (no backtracking)', () => {
    const name = 'a'.repeat(50_000);
    assert.equal(globMatch(`${'*a'.repeat(200)}b`, name), false);
    assert.equal(globMatch(`${'a*'.repeat(200)}a`, name), true);
  });
});
