/**
 * The shipped AI service catalog: schema, size, unique ids and patterns, well-formed domain patterns,
 * and no risk attribute without a source. And the validator itself refuses each kind of mistake.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AiServiceCatalog,
  catalogProblems,
  domainPatternProblem,
  RISK_ATTRIBUTES,
  shippedCatalogDocument,
  shippedServiceCatalog,
  sourceProblem,
} from '../../src/discovery/catalog.ts';

const doc = shippedCatalogDocument() as { services: Record<string, unknown>[] };

describe('the shipped catalog', () => {
  test('validates against the schema with no problem', () => {
    assert.deepEqual(catalogProblems(doc), []);
    AiServiceCatalog.parse(doc);
  });

  test('has at least 300 services, each id unique and kebab-case', () => {
    const catalog = shippedServiceCatalog();
    assert.ok(catalog.services.length >= 300, `only ${catalog.services.length} services`);
    const ids = catalog.services.map((s) => s.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[a-z0-9][a-z0-9-]*$/);
  });

  test('every domain pattern is well formed and belongs to one service only', () => {
    const owners = new Map<string, string>();
    for (const service of shippedServiceCatalog().services) {
      assert.ok(service.domains.length > 0, service.id);
      for (const pattern of service.domains) {
        assert.equal(domainPatternProblem(pattern), null, `${service.id}: ${pattern}`);
        assert.equal(
          owners.get(pattern),
          undefined,
          `${pattern} listed by ${owners.get(pattern)} and ${service.id}`,
        );
        owners.set(pattern, service.id);
      }
    }
  });

  test('every risk attribute is "unknown" or has a value with a source', () => {
    let sourced = 0;
    for (const service of shippedServiceCatalog().services) {
      assert.deepEqual(Object.keys(service.risk).sort(), [...RISK_ATTRIBUTES].sort(), service.id);
      for (const name of RISK_ATTRIBUTES) {
        const attr = service.risk[name];
        if (attr === 'unknown') continue;
        sourced++;
        assert.equal(sourceProblem(attr.source), null, `${service.id}.${name}: ${attr.source}`);
        assert.notEqual(attr.value, undefined);
      }
    }
    // The catalog does know some things (the big vendors' documented defaults).
    assert.ok(sourced >= 10, `only ${sourced} sourced attributes`);
  });

  test('well-known services are there with their main domains', () => {
    const catalog = shippedServiceCatalog();
    assert.ok(catalog.get('chatgpt')?.domains.includes('chatgpt.com'));
    assert.ok(catalog.get('claude')?.domains.includes('claude.ai'));
    assert.ok(catalog.get('gemini')?.domains.includes('gemini.google.com'));
    assert.ok(catalog.get('github-copilot')?.domains.includes('*.githubcopilot.com'));
    assert.match(catalog.updated, /^\d{4}-\d{2}-\d{2}$/);
  });
});

describe('the catalog validator', () => {
  const service = (over: Record<string, unknown> = {}) => ({
    id: 'example-ai',
    name: 'Example AI',
    vendor: 'Example',
    category: 'chat',
    domains: ['example.ai', '*.example.ai'],
    risk: {
      trains_on_user_data_by_default: 'unknown',
      enterprise_plan: 'unknown',
      data_residency: 'unknown',
      certifications: 'unknown',
    },
    ...over,
  });
  const catalog = (services: unknown[]) => ({ version: 1, updated: '2026-01-01', services });
  const messages = (raw: unknown) => catalogProblems(raw).map((p) => `${p.path}: ${p.message}`);

  test('accepts a minimal valid catalog', () => {
    assert.deepEqual(catalogProblems(catalog([service()])), []);
  });

  test('refuses duplicate ids and a domain pattern listed twice', () => {
    const found = messages(
      catalog([service(), service({ domains: ['other.example'] }), service({ id: 'x' })]),
    );
    assert.ok(
      found.some((m) => m.includes('duplicate service id `example-ai`')),
      found.join('\n'),
    );
    assert.ok(
      found.some((m) => m.includes('`example.ai` is already listed by `example-ai`')),
      found.join('\n'),
    );
  });

  test('refuses malformed domain patterns', () => {
    for (const bad of [
      'Example.AI',
      'localhost',
      '*.',
      'a..b',
      '-a.com',
      'a-.com',
      'ex ample.com',
      'a.*.com',
      'https://x.com',
      '*.*.x.com',
    ]) {
      assert.notEqual(domainPatternProblem(bad), null, bad);
      assert.ok(messages(catalog([service({ domains: [bad] })])).length > 0, bad);
    }
    for (const good of ['a.co', '*.a.co', 'x-1.b2.example', 'bedrock-runtime.us-east-1.amazonaws.com']) {
      assert.equal(domainPatternProblem(good), null, good);
    }
  });

  test('refuses an attribute without a source, with an empty or placeholder source, or with a bare value', () => {
    const withAttr = (attr: unknown) =>
      service({ risk: { ...service().risk, trains_on_user_data_by_default: attr } });
    for (const attr of [
      { value: true },
      { value: true, source: '' },
      { value: true, source: 'unknown' },
      { value: true, source: 'guess' },
      { value: true, source: 'http://example.com/privacy' },
      { value: true, source: 'blog' },
      true,
      'yes',
    ]) {
      assert.ok(messages(catalog([withAttr(attr)])).length > 0, JSON.stringify(attr));
    }
    assert.deepEqual(
      messages(
        catalog([withAttr({ value: false, source: 'https://example.com/privacy', note: 'API only.' })]),
      ),
      [],
    );
    assert.deepEqual(
      messages(
        catalog([withAttr({ value: false, source: 'Example Inc., Data Processing Addendum (2026)' })]),
      ),
      [],
    );
  });

  test('refuses unknown categories, unknown fields and missing attributes', () => {
    assert.ok(messages(catalog([service({ category: 'toys' })])).length > 0);
    assert.ok(messages(catalog([service({ website: 'https://example.ai' })])).length > 0);
    assert.ok(messages(catalog([service({ risk: { enterprise_plan: 'unknown' } })])).length > 0);
  });
});
