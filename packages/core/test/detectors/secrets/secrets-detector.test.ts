import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  base62,
  crc32,
  githubChecksumValid,
  shannonEntropy,
} from '../../../src/detectors/secrets/heuristics.ts';
import {
  createSecretsDetector,
  SecretsSettings,
  secretsDefinition,
} from '../../../src/detectors/secrets/index.ts';
import type { Finding } from '../../../src/model/finding.ts';
import type { Segment } from '../../../src/model/segment.ts';

const detector = createSecretsDetector({});
function scan(text: string, d = detector): Finding[] {
  return d.inspect([{ index: 0, source: 'user', path: 'p', text }], { direction: 'input' }) as Finding[];
}
function detectors(text: string, d = detector): string[] {
  return scan(text, d).map((f) => f.detector);
}

/** A shell-style variable reference, `${DB_PASSWORD}`. */
const ENV_REF = ['$', '{DB_PASSWORD}'].join('');
const AWS_ID = 'AKIAQ7X2M4RTB6ZPLN3V';
const GH_BODY = 'Qm9Xr2LpT7vK3nZ8wYc4HbJ6sDf1Ga';
const GH_TOKEN = `ghp_${GH_BODY}${base62(crc32(GH_BODY), 6)}`;

describe('offsets', () => {
  test('span points exactly at the secret value', () => {
    const text = `export AWS_ACCESS_KEY_ID=${AWS_ID} # prod`;
    const [f] = scan(text);
    assert.ok(f?.span);
    assert.equal(text.slice(f.span.start, f.span.end), AWS_ID);
    assert.equal(f.detector, 'secrets.aws-access-key-id');
    assert.equal(f.type, 'AWS_ACCESS_KEY');
  });

  test('offsets are UTF-16 code units after astral characters and point into the right segment', () => {
    const segments: Segment[] = [
      { index: 0, source: 'system', path: 'system', text: 'nothing here' },
      {
        index: 3,
        source: 'user',
        path: 'messages[1]',
        text: `🔑🔑 é mot de passe: postgres://app:Xk9vQ2mLpR@db/app`,
      },
    ];
    const findings = detector.inspect(segments, { direction: 'input' }) as Finding[];
    assert.equal(findings.length, 1);
    const f = findings[0] as Finding;
    assert.equal(f.segment, 3);
    assert.equal(segments[1]?.text.slice(f.span?.start, f.span?.end), 'Xk9vQ2mLpR');
  });

  test('a password assignment reports the value, not the key', () => {
    const text = `DB_PASSWORD="T4v!qR8zLm" ./run.sh`;
    const [f] = scan(text);
    assert.equal(f?.detector, 'secrets.generic-password');
    assert.equal(text.slice(f?.span?.start, f?.span?.end), 'T4v!qR8zLm');
  });

  test('a PEM block spans BEGIN to END', () => {
    const body = 'MIIEowIBAAKCAQEAx8Kq2Lp7Tz3vN9wYc4HbJ6sDf1GaQm9Xr2LpT7vK3nZ8wYc4Hb\n'.repeat(3);
    const key = `-----BEGIN RSA PRIVATE KEY-----\n${body}-----END RSA PRIVATE KEY-----`;
    const text = `here:\n${key}\nthanks`;
    const [f] = scan(text);
    assert.equal(f?.detector, 'secrets.rsa-private-key');
    assert.equal(text.slice(f?.span?.start, f?.span?.end), key);
  });
});

describe('near misses and placeholders are not flagged', () => {
  const negatives: Array<[string, string]> = [
    ['AWS id one character short', 'AKIAQ7X2M4RTB6ZPLN3'],
    ['GitHub token one character short', GH_TOKEN.slice(0, -1)],
    ['GitHub token of one repeated digit pattern', `ghp_${'10'.repeat(18)}`],
    ['GitLab prefix without a token', 'run glpat-short to test'],
    ['Slack prefix in prose', 'the xoxb- prefix marks bot tokens'],
    ['Stripe test key too short', 'sk_live_abc'],
    ['SendGrid shape too short', 'SG.abc.def'],
    ['Anthropic prefix only', 'keys start with sk-ant-api03-'],
    ['Hugging Face lower-case only', 'hf_abcdefghijklmnopqrstuvwxyzabcdefgh'],
    ['npm token with EXAMPLE', 'npm_NFX6dCpmIWvQ7megnY0AtQwkoKEXAMPLE1'],
    ['PyPI prefix without macaroon header', 'pypi-notatoken'],
    ['JWT-shaped but not JSON', 'eyJhbGciOiJIUzI1NiJ9.NotJsonAtAllReally.c2lnbmF0dXJlc2lnbmF0dXJl'],
    ['PEM header with no body', '-----BEGIN RSA PRIVATE KEY-----'],
    ['connection string with variable', `postgres://app:${ENV_REF}@db/app`],
    ['connection string with placeholder', 'mysql://root:<password>@localhost/db'],
    ['URL without credentials', 'see https://example.com/api/v1/token?id=3 for the token docs'],
    ['password changeme', 'password=changeme'],
    ['password env reference', `password: ${ENV_REF}`],
    ['password template', 'secret = "{{ secret }}"'],
    ['api key placeholder', 'api_key = "YOUR_API_KEY"'],
    ['angle placeholder', 'token: <YOUR_TOKEN>'],
    ['xxx placeholder', 'token: xxxxxxxxxxxxxxxxxxxxxxxx'],
    ['masked value', 'password: ********'],
    ['dummy value', 'api_key=dummy-key-1234567890'],
    ['sequence', 'secret=abcdef123456'],
    ['function call', 'password = os.getenv("DB_PASSWORD")'],
    ['sha256 digest', 'sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['git commit', 'commit token fix 3f786850e387550fdab836ed7e6dc881de23001b'],
    ['UUID next to a key word', 'the request token id is 123e4567-e89b-42d3-a456-426614174000'],
    ['file path next to a key word', 'token file at /usr/local/lib/python3/site-packages/requests/auth.py'],
    ['prose about passwords', 'Choose a password that is at least 12 characters long and unique.'],
    ['password word without assignment', 'my password is hunter2 lol'],
    ['plain word password value', 'password: apple'],
  ];
  for (const [label, text] of negatives) {
    test(label, () => {
      assert.deepEqual(detectors(text), []);
    });
  }

  test('benign prose produces nothing', () => {
    const prose =
      'Write a short story about a dragon who learns to bake bread. Use simple words, ' +
      'include a secret recipe and a token of friendship, and end with a twist. The key idea is kindness.';
    assert.deepEqual(scan(prose), []);
  });
});

describe('GitHub checksum', () => {
  test('a token with a valid CRC-32 checksum scores higher than one without', () => {
    assert.ok(githubChecksumValid(GH_TOKEN.slice(4)));
    const bad = `ghp_${GH_BODY}000000`;
    const good = scan(GH_TOKEN)[0];
    const other = scan(bad)[0];
    assert.equal(good?.score, 0.99);
    assert.equal(other?.score, 0.9);
  });
});

describe('entropy', () => {
  test('shannon entropy is 0 for one symbol and log2(n) for n distinct symbols', () => {
    assert.equal(shannonEntropy('aaaa'), 0);
    assert.equal(shannonEntropy('abcd'), 2);
  });

  test('a random token after a key word is flagged, a low-entropy one is not', () => {
    assert.deepEqual(detectors('my key is 8fK2pQ9zLx4mVb7RtY3nWc6HjD1sGa5E ok'), [
      'secrets.generic-high-entropy',
    ]);
    assert.deepEqual(detectors('my key is aaaabbbbaaaabbbbaaaabbbb1 ok'), []);
  });

  test('entropy detection can be switched off and tuned', () => {
    const text = 'my key is 8fK2pQ9zLx4mVb7RtY3nWc6HjD1sGa5E ok';
    const off = createSecretsDetector({ entropy: { enabled: false, min_length: 20, threshold: 4 } });
    assert.deepEqual(detectors(text, off), []);
    const strict = createSecretsDetector({ entropy: { enabled: true, min_length: 40, threshold: 4 } });
    assert.deepEqual(detectors(text, strict), []);
  });
});

describe('settings', () => {
  const text = `AWS ${AWS_ID} and ${GH_TOKEN}`;

  test('defaults are resolved by the schema', () => {
    const s = SecretsSettings.parse({});
    assert.equal(s.min_score, 0.5);
    assert.deepEqual(s.entropy, { enabled: true, min_length: 20, threshold: 4.0 });
    assert.deepEqual(s.disabled_rules, []);
    assert.deepEqual(s.allow_list, []);
  });

  test('rules enables only the listed ids', () => {
    const d = createSecretsDetector({ rules: ['secrets.github-pat'] });
    assert.deepEqual(detectors(text, d), ['secrets.github-pat']);
  });

  test('rules can enable a single private-key scanner', () => {
    const body = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n'.repeat(2);
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}-----END OPENSSH PRIVATE KEY-----`;
    const only = createSecretsDetector({ rules: ['secrets.openssh-private-key'] });
    assert.deepEqual(detectors(key, only), ['secrets.openssh-private-key']);
    const other = createSecretsDetector({ rules: ['secrets.rsa-private-key'] });
    assert.deepEqual(detectors(key, other), []);
  });

  test('disabled_rules turns rules off', () => {
    const d = createSecretsDetector({ disabled_rules: ['secrets.github-pat'] });
    assert.deepEqual(detectors(text, d), ['secrets.aws-access-key-id']);
  });

  test('min_score drops weaker findings', () => {
    const d = createSecretsDetector({ min_score: 0.97 });
    assert.deepEqual(detectors(text, d), ['secrets.github-pat']);
  });

  test('allow_list suppresses exact values', () => {
    const d = createSecretsDetector({ allow_list: [AWS_ID] });
    assert.deepEqual(detectors(text, d), ['secrets.github-pat']);
  });

  test('an unknown rule id is rejected with the id in backticks', () => {
    assert.throws(
      () => createSecretsDetector({ disabled_rules: ['secrets.nope'] }),
      /unknown secrets rule `secrets\.nope`/,
    );
  });

  test('the definition builds a working detector from validated settings', () => {
    assert.equal(secretsDefinition.id, 'secrets');
    assert.equal(secretsDefinition.family, 'secrets');
    const d = secretsDefinition.create(secretsDefinition.settings.parse({}));
    assert.deepEqual(detectors(AWS_ID, d), ['secrets.aws-access-key-id']);
  });
});

describe('formats', () => {
  test('.env, YAML, JSON and CLI flag assignments', () => {
    const cases: Array<[string, string]> = [
      ['API_SECRET=Zq8#kLm2Pv9x', 'Zq8#kLm2Pv9x'],
      ['  password: Zq8kLm2Pv9x', 'Zq8kLm2Pv9x'],
      ['{"apiKey": "Zq8kLm2Pv9xRt5Wn"}', 'Zq8kLm2Pv9xRt5Wn'],
      ['mysql -u root --password Zq8kLm2Pv9x', 'Zq8kLm2Pv9x'],
      ['auth_token := "Zq8kLm2Pv9xRt5Wn"', 'Zq8kLm2Pv9xRt5Wn'],
    ];
    for (const [text, value] of cases) {
      const [f] = scan(text);
      assert.ok(f?.span, text);
      assert.equal(text.slice(f.span.start, f.span.end), value, text);
    }
  });

  test('several secrets in one segment are reported separately and in order', () => {
    const text = `a=${AWS_ID}\nb=postgres://u:Xk9vQ2mLpR@h/d\nc=${GH_TOKEN}`;
    const found = scan(text).map((f) => f.detector);
    assert.deepEqual(found, [
      'secrets.aws-access-key-id',
      'secrets.postgres-connection-string',
      'secrets.github-pat',
    ]);
  });

  test('input segments are not mutated', () => {
    const segments: Segment[] = [{ index: 0, source: 'user', path: 'p', text: `key ${AWS_ID}` }];
    const copy = structuredClone(segments);
    detector.inspect(segments, { direction: 'input' });
    assert.deepEqual(segments, copy);
  });
});
