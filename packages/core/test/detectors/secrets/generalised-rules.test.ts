import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSecretsDetector } from '../../../src/detectors/secrets/index.ts';
import type { Finding } from '../../../src/model/finding.ts';

// Fake, well-formed values from a seeded generator: no real credential is ever committed.
let seed = 0x51c3e7;
function r(alphabet: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    out += alphabet[(seed >>> 8) % alphabet.length];
  }
  return out;
}
const UP = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LO = 'abcdefghijklmnopqrstuvwxyz';
const D = '0123456789';
const HEX = '0123456789abcdef';
const AN = UP + LO + D;
const LD = LO + D;
const URL = `${AN}_-`;
const B64 = `${AN}+/`;
const uuid = (): string => `${r(HEX, 8)}-${r(HEX, 4)}-4${r(HEX, 3)}-a${r(HEX, 3)}-${r(HEX, 12)}`;
const pw = (): string => `${r(UP, 2)}${r(LO, 4)}${r(D, 3)}#${r(LO, 2)}`;
/** Base64 of a UTF-8 string (btoa alone only takes Latin-1). */
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
/** A shell-style variable reference, built so no file holds a literal template string. */
const ref = (name: string): string => ['$', `{${name}}`].join('');

const detector = createSecretsDetector({});
function scan(text: string): Finding[] {
  return detector.inspect([{ index: 0, source: 'user', path: 'p', text }], {
    direction: 'input',
  }) as Finding[];
}
function ids(text: string): string[] {
  return scan(text).map((f) => f.detector);
}
/** The finding of `ruleId` in `text` and the text it points at. */
function hit(text: string, ruleId: string): { finding: Finding; value: string } {
  const found = scan(text);
  const finding = found.find((f) => f.detector === `secrets.${ruleId}`);
  assert.ok(finding?.span, `${ruleId} not found; got ${JSON.stringify(found.map((f) => f.detector))}`);
  return { finding, value: text.slice(finding.span.start, finding.span.end) };
}

describe('password assignments in other languages and shapes', () => {
  const cases: Array<[string, (v: string) => string]> = [
    ['German', (v) => `Passwort: ${v}`],
    ['German (Kennwort)', (v) => `Kennwort = ${v}`],
    ['French', (v) => `mot de passe : ${v}`],
    ['French identifier', (v) => `mot_de_passe="${v}"`],
    ['Spanish', (v) => `contraseña=${v}`],
    ['Portuguese', (v) => `senha: ${v}`],
    ['Dutch', (v) => `wachtwoord = '${v}'`],
    ['Polish', (v) => `hasło: ${v}`],
    ['Russian', (v) => `пароль: ${v}`],
    ['Japanese, full-width colon', (v) => `パスワード：${v}`],
    ['Korean', (v) => `비밀번호: ${v}`],
    ['Chinese', (v) => `密码=${v}`],
    ['escaped tabs and quotes in a serialized string', (v) => `"#define\\tpassword\\t\\"${v}\\""`],
    ['XML element', (v) => `<password>${v}</password>`],
    ['XML element with a prefixed name', (v) => `<db-password> ${v} </db-password>`],
    ['XML key/value attributes', (v) => `<add key="DbPassword" value="${v}" />`],
    ['XML entry element', (v) => `<entry key="smtp.password">${v}</entry>`],
    ['INI', (v) => `[db]\nhost = db.acme.io\npassword = ${v}`],
    ['YAML', (v) => `spring:\n  datasource:\n    password: ${v}`],
    ['passcode', (v) => `passcode=${v}`],
  ];
  for (const [label, make] of cases) {
    test(label, () => {
      const value = pw();
      const text = make(value);
      const { finding, value: found } = hit(text, 'generic-password');
      assert.equal(found, value);
      assert.equal(finding.type, 'PASSWORD');
    });
  }

  test('a secret-named XML entry reports a generic secret', () => {
    const value = r(AN, 32);
    assert.equal(hit(`<entry key="api_token">${value}</entry>`, 'generic-secret').value, value);
  });

  const negatives: Array<[string, string]> = [
    ['German prose', 'Das Passwort muss mindestens zwölf Zeichen lang sein.'],
    ['Japanese prose', 'パスワードを忘れた場合はどうすればいいですか'],
    ['Korean prose', '비밀번호를 잊어버렸어요. 어떻게 재설정하나요?'],
    ['French prose', 'Choisissez un mot de passe solide et unique.'],
    ['variable reference in another language', `Passwort: ${ref('DB_PASSWORD')}`],
    ['empty XML element', '<password></password>'],
    ['XML element holding a reference', `<password>${ref('SMTP_PASSWORD')}</password>`],
    ['label element', '<label>Password</label><input type="password" />'],
    ['XML attribute without value', '<add key="DbPassword" />'],
    ['escaped tab before a placeholder', '"#define\\tpassword\\t\\"changeme\\""'],
    ['SQL-like prose', 'The sample was identified by Reviewer42, a botanist, in 1998.'],
  ];
  for (const [label, text] of negatives) {
    test(`not flagged: ${label}`, () => assert.deepEqual(ids(text), []));
  }
});

describe('base64-wrapped credentials', () => {
  test('a Kubernetes secret value that decodes to a config with a password', () => {
    const run = b64(`spring:\n  datasource:\n    password: ${pw()}\n`);
    const text = `apiVersion: v1\nkind: Secret\ndata:\n  application.yaml: ${run}\n`;
    const { finding, value } = hit(text, 'base64-encoded-secret');
    assert.equal(value, run);
    assert.equal(finding.type, 'PASSWORD');
  });

  test('a base64 JWK set with a private member', () => {
    const run = b64(`[{"kty": "EC", "crv": "P-256", "d": "${r(URL, 43)}"}]`);
    const { finding, value } = hit(run, 'base64-encoded-secret');
    assert.equal(value, run);
    assert.equal(finding.type, 'PRIVATE_KEY');
  });

  test('base64url of a connection string', () => {
    const run = b64(`mongodb+srv://app:${pw()}@cluster0.acme.net/db`).replace(/=+$/, '');
    assert.equal(hit(`MONGO=${run}`, 'base64-encoded-secret').finding.type, 'CONNECTION_STRING');
  });

  const negatives: Array<[string, string]> = [
    ['base64 of prose', b64('The quick brown fox jumps over the lazy dog near the river bank.')],
    ['base64 of a config without secrets', b64('server:\n  port: 8080\n  host: 0.0.0.0\nlogging: debug\n')],
    [
      'base64 of binary data',
      Buffer.from(Array.from({ length: 60 }, (_, i) => (i * 97 + 13) % 256)).toString('base64'),
    ],
    ['base64 of a placeholder password', b64('db:\n  password: changeme\n')],
  ];
  for (const [label, text] of negatives) {
    test(`not flagged: ${label}`, () => assert.deepEqual(ids(`value: ${text}`), []));
  }
});

describe('JSON Web Keys', () => {
  for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) {
    test(`private member "${member}"`, () => {
      const value = r(URL, 43);
      const text = `{"kty":"RSA","n":"${r(URL, 40)}","e":"AQAB","${member}":"${value}"}`;
      assert.equal(hit(text, 'jwk-private-key').value, value);
    });
  }

  test('symmetric key "k" and single-quoted members', () => {
    const k = `${r(UP, 6)}${r(LO, 8)}${r(D, 4)}${r(URL, 4)}`;
    assert.equal(hit(`{'kty': 'oct', 'k': '${k}'}`, 'jwk-private-key').value, k);
  });

  const negatives: Array<[string, string]> = [
    ['public members only', `{"kty":"RSA","n":"${r(URL, 40)}","e":"AQAB"}`],
    ['short "p" value', '{"p": "page-2", "q": "search terms"}'],
    ['lower-case word in "k"', '{"k": "averyveryverylongwordthatisnotakey"}'],
    ['date in "d"', '{"d": "2024-01-01T00:00:00"}'],
  ];
  for (const [label, text] of negatives) {
    test(`not flagged: ${label}`, () => assert.deepEqual(ids(text), []));
  }
});

describe('credentials in URLs', () => {
  for (const scheme of ['neo4j+s', 'clickhouse', 'couchdb', 'rtsp', 'svn']) {
    test(`${scheme}:// with user info`, () => {
      const value = pw();
      const text = `connect to ${scheme}://svc:${value}@host.acme.io:1234/x`;
      const found = scan(text).filter((f) => f.type === 'CONNECTION_STRING');
      assert.equal(found.length, 1);
      const f = found[0] as Finding;
      assert.equal(text.slice(f.span?.start, f.span?.end), value);
    });
  }

  const negatives: Array<[string, string]> = [
    ['user without password', 'git clone ssh://git@github.com/acme/repo.git'],
    ['variable password', `neo4j://neo4j:${ref('NEO4J_PASSWORD')}@graph:7687`],
    ['placeholder password', 'couchdb://admin:<password>@db:5984'],
    ['port, not password', 'see rtsp://camera.local:554/stream for the feed'],
  ];
  for (const [label, text] of negatives) {
    test(`not flagged: ${label}`, () => assert.deepEqual(ids(text), []));
  }
});

describe('Authorization headers', () => {
  const token = `${r(LD, 20)}${r(D, 4)}`;
  const cases: Array<[string, string, string, string]> = [
    ['JSON Bearer', `{"Authorization": "Bearer ${token}"}`, 'http-bearer-token', token],
    ['PHP array Bearer', `'Authorization' => 'Bearer ${token}'`, 'http-bearer-token', token],
    ['call argument Bearer', `headers.set("Authorization", "Bearer ${token}")`, 'http-bearer-token', token],
    ['Token scheme', `Authorization: Token ${token}`, 'http-token-auth', token],
    ['Okta SSWS', `Authorization: SSWS 00${token}`, 'http-token-auth', `00${token}`],
    ['bare token', `Authorization: ${token}`, 'http-token-auth', token],
  ];
  for (const [label, text, rule, value] of cases) {
    test(label, () => assert.equal(hit(text, rule).value, value));
  }

  test('Basic credentials passed as a call argument', () => {
    const value = btoa(`svc:${pw()}`);
    assert.equal(hit(`req.header("Authorization", "Basic ${value}")`, 'http-basic-auth').value, value);
  });

  const negatives: Array<[string, string]> = [
    ['variable bearer', `Authorization: Bearer ${ref('TOKEN')}`],
    ['placeholder bearer', 'Authorization: Bearer <your-token>'],
    ['prose', 'The Authorization header is required for every request to this endpoint.'],
    ['scheme word only', 'Authorization: Token pleaseprovideyourowntoken'],
    ['Basic value without a colon', `Authorization: Basic ${btoa('guestuser')}`],
  ];
  for (const [label, text] of negatives) {
    test(`not flagged: ${label}`, () => assert.deepEqual(ids(text), []));
  }
});

describe('cloud connection strings', () => {
  test('Azure App Configuration secret', () => {
    const secret = r(B64, 44);
    const text = `Endpoint=https://acme.azconfig.io;Id=k1-l0-s0:${r(AN, 20)};Secret=${secret}`;
    assert.equal(hit(text, 'cloud-connection-string-key').value, secret);
  });

  test('Azure SignalR access key', () => {
    const key = r(B64, 43);
    const text = `Endpoint=https://acme.service.signalr.net;AccessKey=${key}=;Version=1.0;`;
    assert.equal(hit(text, 'cloud-connection-string-key').value, `${key}=`);
  });

  test('ODBC string with the password after the user id', () => {
    const value = pw();
    const text = `Driver={ODBC Driver 18 for SQL Server};Uid=app;Pwd=${value};Encrypt=yes;`;
    assert.equal(hit(text, 'ado-connection-string').value, value);
  });

  const negatives: Array<[string, string]> = [
    ['empty access key', 'Endpoint=https://acme.service.signalr.net;AccessKey=;Version=1.0;'],
    ['variable password', `Server=db;Uid=app;Pwd=${ref('DB_PWD')};`],
    ['short secret', 'Endpoint=https://acme.azconfig.io;Id=abc;Secret=short'],
  ];
  for (const [label, text] of negatives) {
    test(`not flagged: ${label}`, () => assert.deepEqual(ids(text), []));
  }
});

describe('terminal output and PEM lines', () => {
  test('a key wrapped in ANSI colour codes', () => {
    const key = `sk-${r(HEX, 32)}`;
    assert.equal(hit(`>>>\u001b[93m${key}\u001b[0m<<<`, 'deepseek-api-key').value, key);
    const ghToken = `glpat-${r(URL, 20)}`;
    assert.equal(hit(`\u001b[1;32m${ghToken}\u001b[0m`, 'gitlab-pat').value, ghToken);
  });

  test('a letters-only PEM body line with very high entropy', () => {
    const line = r(UP + LO, 64);
    assert.equal(hit(`#6 0.245 ${line}`, 'pem-body-line').value, line);
  });

  test('not flagged: a key glued to a word, a 64-letter line of low entropy', () => {
    assert.deepEqual(ids(`xsk-${r(HEX, 32)}`), []);
    assert.deepEqual(ids(`#6 0.245 ${'AbCdEfGh'.repeat(8)}`), []);
  });
});

describe('gitleaks gap providers: near misses', () => {
  /** [rule, text that must not fire that rule] */
  const nearMisses: Array<[string, string]> = [
    ['adobe-client-secret', `p8e-${r(AN, 31)}`],
    ['authress-access-key', `sc_${r(LD, 10)}.${r(LD, 4)}.${r(LD, 10)}.${r(URL, 40)}`],
    ['clickhouse-cloud-secret-key', `adf4b1d${r(AN, 38)}`],
    ['flutterwave-public-key', `FLWPUBK_TEST-${r('abcdefgh0123456789', 32)}`],
    ['flutterwave-encryption-key', `FLWSECK_TEST${r('abcdefgh0123456789', 11)}`],
    ['frameio-api-token', `fio-u-${r(URL, 40)}`],
    ['freemius-secret-key', `'secret_key' => 'sk_${r(AN, 20)}'`],
    ['intra42-client-secret', `s-s4t2xx-${r(HEX, 64)}`],
    ['lob-api-key', `live_${r(HEX, 34)}`],
    ['lob-publishable-key', `test_pub_${r(HEX, 30)}`],
    ['maxmind-license-key', `${r(AN, 6)}_${r(AN, 29)}_mmx`],
    ['settlemint-token', `sm_xyz_${r(AN, 16)}`],
    ['sourcegraph-access-token', `sgp_${r(HEX, 16)}_${r(HEX, 39)}G`],
    ['sidekiq-sensitive-url', `https://${r(HEX, 8)}:${r(HEX, 8)}@gems.example-mirror.io/`],
    ['yandex-api-key', `AQVN${r(URL, 30)}`],
    ['yandex-access-token', `t1.${r(URL, 40)}.${r(URL, 60)}`],
    ['yandex-static-access-key', `build_ref: YC${r(URL, 38)}`],
    ['adafruit-api-key', `ADAFRUIT_IO_KEY=${r(URL, 31)}`],
    ['adobe-client-id', `adobe_client_id = "${r(HEX, 31)}"`],
    ['beamer-api-token', `beamer_api_key: c_${r(URL, 44)}`],
    ['bitbucket-client-id', `BITBUCKET_CLIENT_ID=${r(AN, 30)}`],
    ['bitbucket-client-secret', `BITBUCKET_CLIENT_SECRET=${r(AN, 60)}`],
    ['bittrex-api-key', `bittrex_api_secret = "${r(AN, 33)}"`],
    ['chargebee-api-key', `CHARGEBEE_API_KEY=prod_${r(AN, 32)}`],
    ['droneci-access-token', `DRONE_TOKEN=${r(AN, 28)}`],
    ['etsy-api-key', `etsy_api_key: ${r(LD, 22)}`],
    ['finicity-client-secret', `FINICITY_APP_SECRET=${r(AN, 18)}`],
    ['finicity-api-token', `finicity_app_key = ${r(HEX, 30)}`],
    ['finnhub-api-token', `FINNHUB_API_KEY=${r(LD, 18)}`],
    ['flickr-api-key', `flickr_key: ${r(LD, 30)}`],
    ['freshbooks-access-token', `FRESHBOOKS_TOKEN=${r(AN, 60)}`],
    ['gitter-access-token', `GITTER_TOKEN=${r(URL, 38)}`],
    ['kraken-api-key', `KRAKEN_PRIVATE_KEY=${r(B64, 60)}`],
    ['kucoin-access-token', `KUCOIN_API_KEY=${r(HEX, 22)}`],
    ['kucoin-secret-key', `kucoin_secret = "${r(HEX, 32)}"`],
    ['looker-client-id', `LOOKER_CLIENT_ID=${r(AN, 18)}`],
    ['looker-client-secret', `LOOKER_CLIENT_SECRET=${r(AN, 22)}`],
    ['messagebird-api-token', `MESSAGEBIRD_ACCESS_KEY=${r(AN, 23)}`],
    ['messagebird-client-id', `messagebird_client_id: ${r(HEX, 32)}`],
    ['nytimes-access-token', `NYTIMES_API_KEY=${r(URL, 30)}`],
    ['sendbird-access-id', `SENDBIRD_APP_ID=${r(HEX, 32)}`],
    ['sendbird-access-token', `sendbird_api_token = "${r(HEX, 38)}"`],
    ['sidekiq-secret', `BUNDLE_GEMS__CONTRIBSYS__COM=${r(HEX, 8)}`],
    ['squarespace-access-token', `SQUARESPACE_API_KEY=${r(HEX, 32)}`],
    ['sumologic-access-id', `SUMO_ACCESS_ID=xx${r(AN, 12)}`],
    ['twitch-api-token', `TWITCH_CLIENT_SECRET=${r(LD, 28)}`],
    ['wundergraph-cosmo-api-key', `cosmo_${r(HEX, 31)}`],
    ['url-credentials', `neo4j://neo4j@graph.acme.io:7687`],
    ['cloud-connection-string-key', `AccessKey=${r(B64, 43)}=`],
    ['http-token-auth', 'Authorization: Token pleaseprovideyourowntoken'],
    ['base64-encoded-secret', b64('no credentials in here, only a longer sentence of text')],
  ];
  for (const [rule, text] of nearMisses) {
    test(`${rule} ignores a near miss`, () => {
      assert.ok(!ids(text).includes(`secrets.${rule}`), `${rule} fired on its near miss`);
    });
  }

  test('a context-only key shape is not reported under an unrelated name', () => {
    assert.deepEqual(ids(`build_id=${r(AN, 32)}`), []);
    assert.deepEqual(ids(`request_ref: ${uuid()}`), []);
  });
});
