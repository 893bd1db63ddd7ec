// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests write `${VAR}` interpolation on purpose
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildConfig, ConfigError, DEFAULTS, loadConfig } from '../../src/config/index.ts';

const root = mkdtempSync(join(tmpdir(), 'parapet-config-'));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A fresh directory holding `parapet.yaml` with the given text (or no file when text is null). */
function workspace(text: string | null, file = 'parapet.yaml'): string {
  const dir = join(root, `ws-${counter++}`);
  mkdirSync(dir, { recursive: true });
  if (text !== null) writeFileSync(join(dir, file), text);
  return dir;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

describe('defaults', () => {
  test('no file and no environment gives every default plus the demo echo upstream', () => {
    const cwd = workspace(null);
    const config = loadConfig({ env: {}, cwd });
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.server.port, 8787);
    assert.equal(config.server.body_limit_bytes, 10_485_760);
    assert.equal(config.server.request_timeout_ms, 600_000);
    assert.deepEqual(config.server.trusted_identity, {
      enabled: false,
      sources: [],
      headers: { user: 'x-parapet-user', groups: 'x-parapet-groups', app: 'x-parapet-app' },
    });
    assert.equal(config.server.key_cache_ttl_ms, 2000);
    assert.equal(config.data_dir, join(cwd, 'data'));
    assert.equal(config.database.url, null);
    assert.deepEqual(config.events, {
      content_mode: 'encrypted',
      batch_size: 200,
      flush_interval_ms: 100,
      spool_max_bytes: 1_073_741_824,
      max_content_bytes: 1_048_576,
    });
    assert.deepEqual(config.streaming, { hold_back_chars: 0, window_chars: 512 });
    assert.equal(config.logging.level, 'info');
    assert.deepEqual(config.telemetry, { otlp: { endpoint: null, headers: {}, service_name: 'parapet' } });
    assert.equal(config.demo, true);
    assert.equal(config.config_file, null);
    assert.deepEqual(Object.keys(config.upstreams), ['echo']);
    assert.equal(config.upstreams['echo']!.type, 'echo');
    assert.deepEqual(config.upstreams['echo']!.models, ['echo', 'echo-embedding']);
  });

  test('an empty parapet.yaml in cwd is read and valid', () => {
    const cwd = workspace('# nothing yet\n');
    const config = loadConfig({ env: {}, cwd });
    assert.equal(config.config_file, join(cwd, 'parapet.yaml'));
    assert.equal(config.demo, true);
  });

  test('the result is deeply frozen and DEFAULTS are not shared with it', () => {
    const config = loadConfig({ env: {}, cwd: workspace(null) });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.server.trusted_identity.sources));
    assert.ok(Object.isFrozen(config.upstreams['echo']!.retries));
    assert.throws(() => {
      (config.server as { port: number }).port = 1;
    }, TypeError);
    assert.ok(Object.isFrozen(DEFAULTS.upstream_types.openai.models));
    assert.notEqual(config.server.trusted_identity.sources, DEFAULTS.server.trusted_identity.sources);
  });

  test('per-type upstream defaults', () => {
    const config = buildConfig(
      {
        upstreams: {
          openai: { type: 'openai', api_key: 'k' },
          anthropic: { type: 'anthropic', base_url: 'https://proxy.example/anthropic/' },
          azure: {
            type: 'openai',
            base_url: 'https://res.openai.azure.com/openai',
            azure: { deployments: { 'gpt-4o': 'my-gpt4o' } },
          },
          'local-vllm': { type: 'openai', base_url: 'http://localhost:8000/v1' },
        },
      },
      { env: {} },
    );
    const { openai, anthropic, azure } = config.upstreams;
    const local = config.upstreams['local-vllm']!;
    assert.equal(config.demo, false);
    assert.equal(openai?.base_url, 'https://api.openai.com/v1');
    assert.deepEqual(openai?.models, ['gpt-*', 'o1*', 'o3*', 'o4*', 'chatgpt-*', 'text-embedding-*']);
    assert.deepEqual(openai?.retries, { max: 2, base_delay_ms: 250, max_delay_ms: 8000 });
    assert.equal(openai?.timeout_ms, 600_000);
    assert.equal(openai?.connect_timeout_ms, 10_000);
    assert.ok(anthropic?.type === 'anthropic');
    assert.equal(anthropic.base_url, 'https://proxy.example/anthropic');
    assert.equal(anthropic.version, '2023-06-01');
    assert.deepEqual(anthropic.models, ['claude-*']);
    assert.equal(anthropic.api_key, null);
    assert.ok(azure?.type === 'openai');
    assert.deepEqual(azure.azure, { api_version: '2024-10-21', deployments: { 'gpt-4o': 'my-gpt4o' } });
    assert.deepEqual(azure.models, ['gpt-4o']);
    assert.deepEqual(local.models, []);
    assert.equal(local.type === 'openai' && local.azure, null);
  });
});

describe('environment and flags', () => {
  test('PARAPET_* variables override the file, and flags override both', () => {
    const cwd = workspace('server: { host: 0.0.0.0, port: 9000 }\nlogging: { level: warn }\n');
    const env = {
      PARAPET_HOST: '10.0.0.1',
      PARAPET_PORT: '9100',
      PARAPET_DATA_DIR: '/var/lib/parapet',
      PARAPET_LOG_LEVEL: 'debug',
      PARAPET_DATABASE_URL: 'postgres://db.example/parapet',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318',
    };
    const fromEnv = loadConfig({ env, cwd });
    assert.equal(fromEnv.server.host, '10.0.0.1');
    assert.equal(fromEnv.server.port, 9100);
    assert.equal(fromEnv.data_dir, '/var/lib/parapet');
    assert.equal(fromEnv.logging.level, 'debug');
    assert.equal(fromEnv.database.url, 'postgres://db.example/parapet');
    assert.equal(fromEnv.telemetry.otlp.endpoint, 'http://otel:4318');

    const fromFlags = loadConfig({ env, cwd, flags: { host: '127.0.0.2', port: 9200, dataDir: 'mine' } });
    assert.equal(fromFlags.server.host, '127.0.0.2');
    assert.equal(fromFlags.server.port, 9200);
    assert.equal(fromFlags.data_dir, join(cwd, 'mine'));
  });

  test('OPENAI_API_KEY and ANTHROPIC_API_KEY add upstreams unless configured under those names', () => {
    const config = buildConfig(
      {},
      {
        env: {
          OPENAI_API_KEY: 'sk-test',
          ANTHROPIC_API_KEY: 'sk-ant-test',
          ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/',
        },
      },
    );
    assert.equal(config.demo, false);
    assert.deepEqual(Object.keys(config.upstreams), ['openai', 'anthropic']);
    assert.equal(config.upstreams['openai']!.api_key, 'sk-test');
    assert.equal(config.upstreams['openai']!.base_url, 'https://api.openai.com/v1');
    assert.equal(config.upstreams['anthropic']!.api_key, 'sk-ant-test');
    assert.equal(config.upstreams['anthropic']!.base_url, 'http://127.0.0.1:9');

    const configured = buildConfig(
      { upstreams: { openai: { type: 'openai', base_url: 'http://127.0.0.1:1/v1', api_key: 'from-file' } } },
      { env: { OPENAI_API_KEY: 'sk-env', OPENAI_BASE_URL: 'http://ignored/v1' } },
    );
    assert.equal(configured.upstreams['openai']!.api_key, 'from-file');
    assert.equal(configured.upstreams['openai']!.base_url, 'http://127.0.0.1:1/v1');
  });

  test('an invalid environment value is reported with its variable', () => {
    const error = configError(() =>
      buildConfig({}, { env: { PARAPET_PORT: 'eighty', PARAPET_LOG_LEVEL: 'loud' } }),
    );
    assert.deepEqual(
      error.issues.map((issue) => [issue.path, issue.source]),
      [
        ['server.port', 'PARAPET_PORT'],
        ['logging.level', 'PARAPET_LOG_LEVEL'],
      ],
    );
    assert.match(error.message, /server\.port \(from PARAPET_PORT\): expected number, got a string/);
  });

  test('--config, then PARAPET_CONFIG, choose the file; a missing file is an error', () => {
    const cwd = workspace('server: { port: 9001 }\n', 'custom.yaml');
    assert.equal(loadConfig({ env: {}, cwd, flags: { config: 'custom.yaml' } }).server.port, 9001);
    assert.equal(
      loadConfig({ env: { PARAPET_CONFIG: join(cwd, 'custom.yaml') }, cwd: root }).server.port,
      9001,
    );
    const missing = configError(() => loadConfig({ env: {}, cwd, flags: { config: 'nope.yaml' } }));
    assert.match(missing.issues[0]!.message, /config file `nope\.yaml` does not exist/);
  });

  test('a relative data_dir in the file resolves against the file, elsewhere against cwd', () => {
    const dir = workspace('data_dir: ./state\n');
    const config = loadConfig({ env: {}, cwd: root, flags: { config: join(dir, 'parapet.yaml') } });
    assert.equal(config.data_dir, join(dir, 'state'));
    const env = loadConfig({
      env: { PARAPET_DATA_DIR: 'rel' },
      cwd: root,
      flags: { config: join(dir, 'parapet.yaml') },
    });
    assert.equal(env.data_dir, join(root, 'rel'));
  });
});

describe('interpolation', () => {
  test('${VAR}, ${VAR:-fallback} and $${ escapes in string values, converted where a number is expected', () => {
    const cwd = workspace(
      [
        'server: { port: "${PORT}", host: "${HOST:-127.0.0.9}" }',
        'upstreams:',
        '  vllm: { type: openai, base_url: "http://${VLLM_HOST}:8000/v1", api_key: "${VLLM_KEY}", headers: { x-note: "cost $5 $${literal}" } }',
        '',
      ].join('\n'),
    );
    const config = loadConfig({ env: { PORT: '9300', VLLM_HOST: 'gpu1', VLLM_KEY: 'secret-value' }, cwd });
    assert.equal(config.server.port, 9300);
    assert.equal(config.server.host, '127.0.0.9');
    assert.equal(config.upstreams['vllm']!.base_url, 'http://gpu1:8000/v1');
    assert.equal(config.upstreams['vllm']!.api_key, 'secret-value');
    assert.equal(config.upstreams['vllm']!.headers['x-note'], 'cost $5 ${literal}');
  });

  test('unset variables are reported with the others, never with values', () => {
    const cwd = workspace(
      'upstreams:\n  a: { type: openai, api_key: "${MISSING_KEY}", base_url: "${ALSO_MISSING}" }\nserver: { port: "x${" }\n',
    );
    const error = configError(() => loadConfig({ env: { SECRET: 'hunter2' }, cwd }));
    const messages = error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    assert.ok(
      messages.includes('upstreams.a.api_key: environment variable `MISSING_KEY` is not set'),
      messages.join('\n'),
    );
    assert.ok(messages.includes('upstreams.a.base_url: environment variable `ALSO_MISSING` is not set'));
    assert.ok(messages.some((m) => m.startsWith('server.port: unclosed `${`')));
    assert.ok(!error.message.includes('hunter2'));
  });
});

describe('validation', () => {
  test('every invalid key is reported at once, cross-checks included', () => {
    const cwd = workspace(
      [
        'server:',
        '  port: 70000',
        '  hots: 0.0.0.0',
        '  body_limit_bytes: -1',
        'upstream: {}',
        'upstreams:',
        '  openai: { type: openai, api_key: sk-do-not-print, timeout_ms: "fast" }',
        '  claude: { type: anthropic, azure: { api_version: x } }',
        '  weird: { type: grpc }',
        'models:',
        '  mini: { provider: opneai, fallbacks: [haiku, gpt-4o] }',
        '  haiku: { provider: claude, aliases: [mini] }',
        'events: { content_mode: plaintext }',
        'database: { url: "mysql://x" }',
        'telemetry: { otlp: { endpoint: "not a url" } }',
        '',
      ].join('\n'),
    );
    const error = configError(() => loadConfig({ env: {}, cwd }));
    const byPath = new Map(error.issues.map((issue) => [issue.path, issue]));
    const expected = [
      'server.port',
      'server.hots',
      'server.body_limit_bytes',
      'upstream',
      'upstreams.openai.timeout_ms',
      'upstreams.claude.azure',
      'upstreams.weird.type',
      'models.mini.provider',
      'models.haiku.aliases[0]',
      'events.content_mode',
      'database.url',
      'telemetry.otlp.endpoint',
    ];
    for (const path of expected) assert.ok(byPath.has(path), `missing issue for ${path}:\n${error.message}`);
    assert.equal(error.issues.length, expected.length, error.message);
    assert.equal(byPath.get('server.port')!.message, 'must be at most 65535');
    assert.equal(
      byPath.get('upstreams.claude.azure')!.message,
      'an `azure` block is only allowed on an upstream of type `openai`',
    );
    assert.match(
      byPath.get('models.haiku.aliases[0]')!.message,
      /alias `mini` is already the name or an alias of model `mini`/,
    );
    assert.match(error.message, /^invalid configuration in `.*parapet\.yaml` \(12 problems\)\n {2}- /);
    assert.ok(!error.message.includes('sk-do-not-print'));
    assert.equal(error.file, join(cwd, 'parapet.yaml'));
  });

  test('unknown keys and names come with a did-you-mean suggestion', () => {
    const error = configError(() =>
      buildConfig(
        {
          sever: {},
          server: { bodyLimitBytes: 5, trusted_identity: { enable: true } },
          upstreams: { openai: { type: 'opena', base_ur: 'http://x' } },
          models: { m: { provider: 'opneai', fallback: [] } },
          logging: { level: 'warning' },
        },
        { env: {} },
      ),
    );
    const suggestions = Object.fromEntries(error.issues.map((issue) => [issue.path, issue.suggestion]));
    assert.deepEqual(suggestions, {
      sever: 'server',
      'server.bodyLimitBytes': 'body_limit_bytes',
      'server.trusted_identity.enable': 'enabled',
      'upstreams.openai.type': 'openai',
      'upstreams.openai.base_ur': 'base_url',
      'models.m.fallback': 'fallbacks',
      'logging.level': 'warn',
      'models.m.provider': 'openai',
    });
    const unknown = error.issues.find((issue) => issue.path === 'sever')!;
    assert.equal(unknown.message, 'unknown key `sever`; did you mean `server`?');
  });

  test('model providers and fallbacks must exist; fallbacks may be upstream-matched names', () => {
    const upstreams = {
      openai: { type: 'openai', api_key: 'k' },
      claude: { type: 'anthropic', api_key: 'k' },
    };
    const ok = buildConfig(
      {
        upstreams,
        models: {
          mini: { provider: 'openai', fallbacks: ['claude-3-5-haiku-latest', 'haiku'] },
          haiku: { provider: 'claude' },
        },
      },
      { env: {} },
    );
    assert.equal(ok.models['mini']!.fallbacks.length, 2);
    const error = configError(() =>
      buildConfig({ upstreams, models: { mini: { provider: 'nope', fallbacks: ['llama-3'] } } }, { env: {} }),
    );
    assert.deepEqual(
      error.issues.map((issue) => issue.path),
      ['models.mini.provider', 'models.mini.fallbacks[0]'],
    );
    assert.match(error.issues[0]!.message, /unknown upstream `nope` \(configured: `openai`, `claude`\)/);
  });

  test('azure needs a base_url, version is anthropic-only, trusted identity needs sources', () => {
    const error = configError(() =>
      buildConfig(
        {
          server: { trusted_identity: { enabled: true, sources: [] } },
          upstreams: { az: { type: 'openai', azure: {} }, o: { type: 'openai', version: '1' } },
        },
        { env: {} },
      ),
    );
    assert.deepEqual(error.issues.map((issue) => issue.path).sort(), [
      'server.trusted_identity.sources',
      'upstreams.az.base_url',
      'upstreams.o.version',
    ]);
    const badSource = configError(() =>
      buildConfig(
        { server: { trusted_identity: { enabled: true, sources: ['10.0.0.0/8', '::1', 'proxy.local'] } } },
        { env: {} },
      ),
    );
    assert.deepEqual(
      badSource.issues.map((issue) => issue.path),
      ['server.trusted_identity.sources[2]'],
    );
  });

  test('YAML syntax errors give a position, not the file text', () => {
    const cwd = workspace('server:\n  port: 1\n  port: 2\nupstreams: [unclosed\n');
    const error = configError(() => loadConfig({ env: {}, cwd }));
    assert.ok(error.issues.length >= 1);
    assert.match(error.issues[0]!.message, /^yaml syntax error at line \d+, column \d+: /);
  });

  test('a top level that is not a mapping is an error', () => {
    const error = configError(() => loadConfig({ env: {}, cwd: workspace('- a\n- b\n') }));
    assert.equal(error.issues[0]!.message, 'the configuration must be a mapping of keys to values');
  });
});
