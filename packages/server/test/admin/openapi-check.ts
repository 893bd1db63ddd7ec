/**
 * Small, dependency-free tools for testing the generated OpenAPI document: a structural checker of
 * OpenAPI 3.1 (the parts of the specification the document uses), a validator for the JSON Schema
 * keywords zod emits, and a generator of sample values from a schema.
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON documents are walked generically
type Json = any;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const PARAMETER_PLACES = ['query', 'header', 'path', 'cookie'];

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows a local `$ref` (`#/components/…`); throws when it does not resolve. */
export function resolveRef(doc: Json, ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`non-local $ref \`${ref}\``);
  let node = doc;
  for (const raw of ref.slice(2).split('/')) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObject(node) || !(part in node)) throw new Error(`unresolved $ref \`${ref}\``);
    node = node[part];
  }
  return node;
}

function deref(doc: Json, node: Json): Json {
  let current = node;
  for (let i = 0; i < 20 && isObject(current) && typeof current['$ref'] === 'string'; i++) {
    current = resolveRef(doc, current['$ref']);
  }
  return current;
}

/** Every problem that makes `doc` not a structurally valid OpenAPI 3.1 document; empty when valid. */
export function checkOpenApi31(doc: Json): string[] {
  const problems: string[] = [];
  const problem = (where: string, what: string) => problems.push(`${where}: ${what}`);
  if (!isObject(doc)) return ['the document is not an object'];
  if (typeof doc['openapi'] !== 'string' || !/^3\.1\.\d+$/.test(doc['openapi'])) {
    problem('openapi', 'must be a 3.1.x version string');
  }
  const info = doc['info'];
  if (!isObject(info) || typeof info['title'] !== 'string' || typeof info['version'] !== 'string') {
    problem('info', 'needs string `title` and `version`');
  }
  if (!isObject(doc['paths']) && !isObject(doc['webhooks']) && !isObject(doc['components'])) {
    problem('(root)', 'needs `paths`, `webhooks` or `components`');
  }
  for (const key of Object.keys(doc)) {
    const allowed = [
      'openapi',
      'info',
      'jsonSchemaDialect',
      'servers',
      'paths',
      'webhooks',
      'components',
      'security',
      'tags',
      'externalDocs',
    ];
    if (!allowed.includes(key) && !key.startsWith('x-')) problem(key, 'is not an OpenAPI 3.1 root field');
  }
  if (doc['servers'] !== undefined) {
    if (!Array.isArray(doc['servers'])) problem('servers', 'must be an array');
    else
      for (const [i, s] of doc['servers'].entries()) {
        if (!isObject(s) || typeof s['url'] !== 'string') problem(`servers[${i}]`, 'needs a string `url`');
      }
  }
  const schemes = isObject(doc['components']?.['securitySchemes'])
    ? doc['components']['securitySchemes']
    : {};
  const checkSecurity = (where: string, security: Json) => {
    if (security === undefined) return;
    if (!Array.isArray(security)) return problem(where, 'security must be an array');
    for (const requirement of security) {
      if (!isObject(requirement)) problem(where, 'a security requirement must be an object');
      else
        for (const name of Object.keys(requirement)) {
          if (!(name in schemes)) problem(where, `security scheme \`${name}\` is not declared`);
          if (!Array.isArray(requirement[name])) problem(where, `security scheme \`${name}\` needs an array`);
        }
    }
  };
  checkSecurity('security', doc['security']);
  for (const [name, scheme] of Object.entries(schemes)) {
    const where = `components.securitySchemes.${name}`;
    if (
      !isObject(scheme) ||
      !['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'].includes(scheme['type'])
    ) {
      problem(where, 'needs a valid `type`');
    } else if (scheme['type'] === 'http' && typeof scheme['scheme'] !== 'string') {
      problem(where, 'an http scheme needs `scheme`');
    } else if (
      scheme['type'] === 'apiKey' &&
      (typeof scheme['name'] !== 'string' || !['query', 'header', 'cookie'].includes(scheme['in']))
    ) {
      problem(where, 'an apiKey scheme needs `name` and `in`');
    }
  }
  // Every $ref anywhere resolves.
  const walk = (node: Json, where: string) => {
    if (Array.isArray(node)) {
      for (const [i, v] of node.entries()) walk(v, `${where}[${i}]`);
    } else if (isObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref') {
          try {
            resolveRef(doc, v);
          } catch (err) {
            problem(where, (err as Error).message);
          }
        } else walk(v, `${where}.${k}`);
      }
    }
  };
  walk(doc, '#');

  const operationIds = new Set<string>();
  const templates = new Map<string, string>();
  for (const [path, item] of Object.entries(isObject(doc['paths']) ? doc['paths'] : {})) {
    if (!path.startsWith('/')) problem(`paths.${path}`, 'a path must start with `/`');
    const normalized = path.replace(/\{[^}/]+\}/g, '{}');
    if (templates.has(normalized))
      problem(`paths.${path}`, `is the same template as \`${templates.get(normalized)}\``);
    templates.set(normalized, path);
    const names = [...path.matchAll(/\{([^}/]+)\}/g)].map((m) => m[1]!);
    if (!isObject(item)) {
      problem(`paths.${path}`, 'must be a Path Item object');
      continue;
    }
    for (const [method, operation] of Object.entries(item)) {
      const where = `paths.${path}.${method}`;
      if (!METHODS.includes(method)) {
        if (
          !['summary', 'description', 'servers', 'parameters', '$ref'].includes(method) &&
          !method.startsWith('x-')
        ) {
          problem(where, 'is not a Path Item field');
        }
        continue;
      }
      if (!isObject(operation)) {
        problem(where, 'must be an Operation object');
        continue;
      }
      if (operation['operationId'] !== undefined) {
        if (operationIds.has(operation['operationId']))
          problem(where, `duplicate operationId \`${operation['operationId']}\``);
        operationIds.add(operation['operationId']);
      }
      checkSecurity(where, operation['security']);
      const params = (operation['parameters'] ?? []) as Json[];
      if (!Array.isArray(params)) problem(where, '`parameters` must be an array');
      const seen = new Set<string>();
      const pathParams: string[] = [];
      for (const raw of params) {
        const p = deref(doc, raw);
        if (!isObject(p) || typeof p['name'] !== 'string' || !PARAMETER_PLACES.includes(p['in'])) {
          problem(where, 'a parameter needs `name` and a valid `in`');
          continue;
        }
        const key = `${p['in']}:${p['name']}`;
        if (seen.has(key)) problem(where, `parameter \`${key}\` appears twice`);
        seen.add(key);
        if ((p['schema'] === undefined) === (p['content'] === undefined)) {
          problem(where, `parameter \`${p['name']}\` needs exactly one of \`schema\` and \`content\``);
        }
        if (p['in'] === 'path') {
          pathParams.push(p['name']);
          if (p['required'] !== true) problem(where, `path parameter \`${p['name']}\` must be required`);
        }
      }
      if ([...pathParams].sort().join() !== [...names].sort().join()) {
        problem(
          where,
          `path parameters ${JSON.stringify(pathParams)} do not match the template ${JSON.stringify(names)}`,
        );
      }
      if (operation['requestBody'] !== undefined) {
        const body = deref(doc, operation['requestBody']);
        if (!isObject(body) || !isObject(body['content'])) problem(where, '`requestBody` needs `content`');
      }
      const responses = operation['responses'];
      if (!isObject(responses) || Object.keys(responses).length === 0) {
        problem(where, 'needs at least one response');
        continue;
      }
      for (const [status, raw] of Object.entries(responses)) {
        if (status !== 'default' && !/^[1-5](\d\d|XX)$/.test(status)) {
          problem(`${where}.responses.${status}`, 'is not a status code, a range or `default`');
        }
        const response = deref(doc, raw);
        if (!isObject(response) || typeof response['description'] !== 'string') {
          problem(`${where}.responses.${status}`, 'needs a `description`');
        }
        for (const [type, media] of Object.entries(
          isObject(response?.['content']) ? response['content'] : {},
        )) {
          if (!isObject(media))
            problem(`${where}.responses.${status}.content.${type}`, 'must be a Media Type object');
        }
      }
    }
  }
  for (const [name, schema] of Object.entries(
    isObject(doc['components']?.['schemas']) ? doc['components']['schemas'] : {},
  )) {
    if (!/^[a-zA-Z0-9._-]+$/.test(name)) problem(`components.schemas.${name}`, 'invalid component name');
    if (!isObject(schema) && typeof schema !== 'boolean')
      problem(`components.schemas.${name}`, 'must be a schema');
  }
  return problems;
}

/** Problems of `value` against a JSON Schema (the keywords zod emits); empty when it validates. */
export function validateJson(doc: Json, schema: Json, value: unknown, where = '$'): string[] {
  if (schema === true || schema === undefined) return [];
  if (schema === false) return [`${where}: no value is allowed`];
  const s = deref(doc, schema);
  const out: string[] = [];
  const fail = (what: string) => out.push(`${where}: ${what}`);
  if (s['const'] !== undefined && JSON.stringify(s['const']) !== JSON.stringify(value))
    fail(`must be ${JSON.stringify(s['const'])}`);
  if (
    Array.isArray(s['enum']) &&
    !s['enum'].some((e: unknown) => JSON.stringify(e) === JSON.stringify(value))
  ) {
    fail(`must be one of ${JSON.stringify(s['enum'])}`);
  }
  if (s['type'] !== undefined) {
    const types: string[] = Array.isArray(s['type']) ? s['type'] : [s['type']];
    if (!types.some((t) => typeMatches(t, value)))
      return [`${where}: expected ${types.join(' or ')}, got ${kind(value)}`];
  }
  for (const branch of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(s[branch])) {
      const passing = s[branch].filter(
        (sub: Json) => validateJson(doc, sub, value, where).length === 0,
      ).length;
      if (passing === 0) fail(`matches no branch of ${branch}`);
      if (branch === 'oneOf' && passing > 1) fail('matches several branches of oneOf');
    }
  }
  if (Array.isArray(s['allOf']))
    for (const sub of s['allOf']) out.push(...validateJson(doc, sub, value, where));
  if (s['not'] !== undefined && validateJson(doc, s['not'], value, where).length === 0) fail('matches `not`');
  if (typeof value === 'string') {
    if (typeof s['minLength'] === 'number' && [...value].length < s['minLength'])
      fail(`shorter than ${s['minLength']}`);
    if (typeof s['maxLength'] === 'number' && [...value].length > s['maxLength'])
      fail(`longer than ${s['maxLength']}`);
    if (typeof s['pattern'] === 'string' && !new RegExp(s['pattern'], 'u').test(value))
      fail(`does not match ${s['pattern']}`);
  }
  if (typeof value === 'number') {
    if (typeof s['minimum'] === 'number' && value < s['minimum']) fail(`below ${s['minimum']}`);
    if (typeof s['maximum'] === 'number' && value > s['maximum']) fail(`above ${s['maximum']}`);
    if (typeof s['exclusiveMinimum'] === 'number' && value <= s['exclusiveMinimum'])
      fail(`not above ${s['exclusiveMinimum']}`);
    if (typeof s['exclusiveMaximum'] === 'number' && value >= s['exclusiveMaximum'])
      fail(`not below ${s['exclusiveMaximum']}`);
  }
  if (Array.isArray(value)) {
    if (typeof s['minItems'] === 'number' && value.length < s['minItems'])
      fail(`fewer than ${s['minItems']} items`);
    if (typeof s['maxItems'] === 'number' && value.length > s['maxItems'])
      fail(`more than ${s['maxItems']} items`);
    const prefix: Json[] = Array.isArray(s['prefixItems']) ? s['prefixItems'] : [];
    value.forEach((item, i) => {
      const sub = i < prefix.length ? prefix[i] : s['items'];
      out.push(...validateJson(doc, sub, item, `${where}[${i}]`));
    });
  }
  if (isObject(value)) {
    const props: Record<string, Json> = isObject(s['properties']) ? s['properties'] : {};
    for (const name of Array.isArray(s['required']) ? s['required'] : []) {
      if (!(name in value)) fail(`misses required \`${name}\``);
    }
    for (const [name, inner] of Object.entries(value)) {
      if (name in props) out.push(...validateJson(doc, props[name], inner, `${where}.${name}`));
      else {
        if (s['propertyNames'] !== undefined)
          out.push(...validateJson(doc, s['propertyNames'], name, `${where}.${name}(name)`));
        out.push(...validateJson(doc, s['additionalProperties'], inner, `${where}.${name}`));
      }
    }
  }
  return out;
}

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      return typeof value === type;
  }
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** Strings tried, in order, for a `pattern`. */
const STRING_CANDIDATES = [
  '1',
  '42',
  'active',
  'abc',
  'a',
  'x1',
  '7d',
  '2025-01-01',
  '2025-01-01T00:00:00.000Z',
  'evt_0192f0c0a1b2aaaaaaaaaaaaaaaaaaaa',
  'aaaaaaaaaaaa',
  'csv',
  'ndjson',
  'example.com',
  'EMAIL_ADDRESS',
  'pii',
];

const FORMATS: Record<string, string> = {
  'date-time': '2025-01-01T00:00:00.000Z',
  date: '2025-01-01',
  time: '00:00:00',
  email: 'someone@example.com',
  uri: 'https://example.com/ingest',
  url: 'https://example.com/ingest',
  uuid: '00000000-0000-4000-8000-000000000000',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  duration: 'P1D',
};

/**
 * A value that validates against `schema` (examples, const, enum and defaults first), or an Error naming
 * the keyword it cannot satisfy (add `.meta({ examples: [...] })` to the zod schema then).
 */
export function sampleOf(doc: Json, schema: Json, depth = 0): unknown {
  if (depth > 12) throw new Error('schema nests too deep to sample');
  if (schema === true || schema === undefined) return null;
  const s = deref(doc, schema);
  if (Array.isArray(s['examples']) && s['examples'].length > 0) return s['examples'][0];
  if (s['const'] !== undefined) return s['const'];
  if (Array.isArray(s['enum'])) return s['enum'][0];
  if (s['default'] !== undefined) return s['default'];
  for (const branch of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(s[branch])) {
      for (const sub of s[branch]) {
        try {
          const value = sampleOf(doc, sub, depth + 1);
          if (validateJson(doc, s, value).length === 0) return value;
        } catch {}
      }
      throw new Error(`no branch of ${branch} could be sampled`);
    }
  }
  if (Array.isArray(s['allOf']) && s['allOf'].length > 0) return sampleOf(doc, s['allOf'][0], depth + 1);
  const types: string[] = s['type'] === undefined ? [] : Array.isArray(s['type']) ? s['type'] : [s['type']];
  const type = types.find((t) => t !== 'null') ?? types[0];
  switch (type) {
    case undefined:
      return null;
    case 'null':
      return null;
    case 'boolean':
      return true;
    case 'integer':
    case 'number': {
      let n = typeof s['minimum'] === 'number' ? s['minimum'] : 1;
      if (typeof s['exclusiveMinimum'] === 'number' && n <= s['exclusiveMinimum'])
        n = s['exclusiveMinimum'] + 1;
      if (typeof s['maximum'] === 'number' && n > s['maximum']) n = s['maximum'];
      return type === 'integer' ? Math.ceil(n) : n;
    }
    case 'string':
      return sampleString(s);
    case 'array': {
      const count = Math.max(typeof s['minItems'] === 'number' ? s['minItems'] : 1, 0);
      const max = typeof s['maxItems'] === 'number' ? s['maxItems'] : count;
      const prefix: Json[] = Array.isArray(s['prefixItems']) ? s['prefixItems'] : [];
      return Array.from({ length: Math.min(Math.max(count, prefix.length), max) }, (_, i) =>
        sampleOf(doc, i < prefix.length ? prefix[i] : s['items'], depth + 1),
      );
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(isObject(s['properties']) ? s['properties'] : {})) {
        out[name] = sampleOf(doc, sub, depth + 1);
      }
      if (isObject(s['additionalProperties']) && Object.keys(out).length === 0) {
        const name =
          s['propertyNames'] === undefined ? 'key' : String(sampleOf(doc, s['propertyNames'], depth + 1));
        out[name] = sampleOf(doc, s['additionalProperties'], depth + 1);
      }
      return out;
    }
    default:
      throw new Error(`cannot sample type \`${type}\``);
  }
}

function sampleString(s: Json): string {
  const min = typeof s['minLength'] === 'number' ? s['minLength'] : 0;
  const max = typeof s['maxLength'] === 'number' ? s['maxLength'] : Number.POSITIVE_INFINITY;
  const fits = (text: string) =>
    text.length >= min &&
    text.length <= max &&
    (typeof s['pattern'] !== 'string' || new RegExp(s['pattern'], 'u').test(text));
  if (typeof s['format'] === 'string' && FORMATS[s['format']] !== undefined && fits(FORMATS[s['format']]!)) {
    return FORMATS[s['format']]!;
  }
  const found = STRING_CANDIDATES.find(fits);
  if (found !== undefined) return found;
  const padded = 'a'.repeat(Math.max(min, 1));
  if (fits(padded)) return padded;
  throw new Error(
    `no sample string fits ${JSON.stringify({ pattern: s['pattern'], minLength: s['minLength'], maxLength: s['maxLength'] })}`,
  );
}
