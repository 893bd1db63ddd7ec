import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { buildConfig, configJsonSchema, configSchemaFileText, resolveModel } from '../../src/config/index.ts';

const docs = new URL('../../../../docs/', import.meta.url);

test('docs/config.schema.json equals the schema generated from the zod schema', () => {
  const committed = readFileSync(new URL('config.schema.json', docs), 'utf8');
  assert.equal(
    committed,
    configSchemaFileText(),
    'stale: run `node --import tsx scripts/gen-config-schema.ts`',
  );
});

test('the JSON schema carries the defaults and rejects unknown keys', () => {
  const schema = configJsonSchema() as {
    additionalProperties: boolean;
    properties: Record<string, { properties?: Record<string, { default?: unknown }> }>;
  };
  assert.equal(schema.additionalProperties, false);
  assert.equal(schema.properties['server']?.properties?.['port']?.default, 8787);
  assert.equal(
    schema.properties['data_dir'] && (schema.properties['data_dir'] as { default?: unknown }).default,
    './data',
  );
});

test('docs/configuration.md points editors at the schema and documents every top-level key', () => {
  const markdown = readFileSync(new URL('configuration.md', docs), 'utf8');
  assert.match(markdown, /# yaml-language-server: \$schema=/);
  const schema = configJsonSchema() as { properties: Record<string, unknown> };
  for (const key of Object.keys(schema.properties)) {
    if (key === '$schema') continue;
    assert.ok(markdown.includes(`\`${key}`), `docs/configuration.md does not mention \`${key}\``);
  }
});

test('the runnable example in docs/configuration.md is a valid configuration', () => {
  const markdown = readFileSync(new URL('configuration.md', docs), 'utf8');
  const section = markdown.slice(markdown.indexOf('## A runnable example'));
  const start = section.indexOf('```yaml\n') + '```yaml\n'.length;
  const yaml = section.slice(start, section.indexOf('```', start));
  const config = buildConfig(parse(yaml), { env: {} });
  assert.deepEqual(Object.keys(config.upstreams), ['openai', 'anthropic', 'demo']);
  assert.equal(config.upstreams['openai']!.api_key, 'sk-not-set');
  assert.deepEqual(
    resolveModel(config, 'gpt-4o-mini')?.fallbacks.map((target) => target.name),
    ['claude-haiku', 'echo'],
  );
});
