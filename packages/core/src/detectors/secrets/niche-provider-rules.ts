import { assigned, B, E, rule, type SecretRule } from './rule.ts';

/*
 * Providers with a smaller footprint that gitleaks covers and `provider-rules.ts` did not. Facts
 * (prefixes, lengths, alphabets) were checked against gitleaks' public rule files
 * (`cmd/generate/config/rules/*.go`) and the providers' documentation; the patterns are our own. Keys
 * without a distinctive prefix are only matched when assigned to a name carrying the provider's name.
 */

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

/** A context rule: the provider's name (plus an optional suffix) assigned a value of a known shape. */
function named(
  id: string,
  type: string,
  names: readonly string[],
  value: string,
  description: string,
  score = 0.85,
): SecretRule {
  return rule(id, type, names, assigned(names.join('|'), value), description, { ci: true, score });
}

/** Rules for the providers listed as gaps in docs/secrets-coverage.md until this file existed. */
export const NICHE_PROVIDER_RULES: readonly SecretRule[] = [
  // ── Prefixed formats (no context needed) ───────────────────────────────────────────────────────
  rule(
    'adobe-client-secret',
    'ADOBE_SECRET',
    ['p8e-'],
    `${B}(p8e-[A-Za-z0-9]{32})${E}`,
    'Adobe client secret',
  ),
  rule(
    'authress-access-key',
    'AUTHRESS_KEY',
    ['sc_', 'ext_', 'scauth_', 'authress_'],
    `${B}((?:sc|ext|scauth|authress)_[A-Za-z0-9]{5,30}\\.[A-Za-z0-9]{4,6}\\.acc[_-][A-Za-z0-9-]{10,32}\\.[A-Za-z0-9+/_=-]{30,120})(?![A-Za-z0-9+/_=-])`,
    'Authress service client access key',
  ),
  rule(
    'clickhouse-cloud-secret-key',
    'CLICKHOUSE_KEY',
    ['4b1d'],
    `${B}(4b1d[A-Za-z0-9]{38})${E}`,
    'ClickHouse Cloud API secret key',
  ),
  rule(
    'flutterwave-public-key',
    'FLUTTERWAVE_KEY',
    ['flwpubk'],
    `${B}(FLWPUBK(?:_TEST)?-[a-hA-H0-9]{32}-X)${E}`,
    'Flutterwave public key (identifies the merchant account)',
    { score: 0.7 },
  ),
  rule(
    'flutterwave-encryption-key',
    'FLUTTERWAVE_KEY',
    ['flwseck'],
    `${B}(FLWSECK(?:_TEST)?[a-hA-H0-9]{12})${E}`,
    'Flutterwave encryption key',
  ),
  rule(
    'frameio-api-token',
    'FRAMEIO_TOKEN',
    ['fio-u-'],
    `${B}(fio-u-[A-Za-z0-9_=-]{64})(?![A-Za-z0-9_=-])`,
    'Frame.io API token',
  ),
  rule(
    'freemius-secret-key',
    'FREEMIUS_KEY',
    ['secret_key'],
    `["']secret_key["']\\s{0,3}=>\\s{0,3}["'](sk_[^\\s"']{29})["']`,
    'Freemius secret key in a PHP configuration array',
    { ci: true },
  ),
  rule(
    'intra42-client-secret',
    'INTRA42_SECRET',
    ['s-s4t2'],
    `${B}(s-s4t2(?:ud|af)-[0-9a-f]{64})${E}`,
    '42 Intra API client secret',
  ),
  rule('lob-api-key', 'LOB_KEY', ['live_', 'test_'], `${B}((?:live|test)_[0-9a-f]{35})${E}`, 'Lob API key', {
    score: 0.8,
  }),
  rule(
    'lob-publishable-key',
    'LOB_KEY',
    ['live_pub_', 'test_pub_'],
    `${B}((?:live|test)_pub_[0-9a-f]{31})${E}`,
    'Lob publishable API key',
    { score: 0.7 },
  ),
  rule(
    'maxmind-license-key',
    'MAXMIND_KEY',
    ['_mmk'],
    `${B}([A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)${E}`,
    'MaxMind license key',
  ),
  rule(
    'settlemint-token',
    'SETTLEMINT_TOKEN',
    ['sm_pat_', 'sm_aat_', 'sm_sat_'],
    `${B}(sm_(?:pat|aat|sat)_[A-Za-z0-9]{16})${E}`,
    'SettleMint personal, application or service access token',
  ),
  rule(
    'sourcegraph-access-token',
    'SOURCEGRAPH_TOKEN',
    ['sgp_'],
    `${B}(sgp_(?:(?:[0-9a-fA-F]{16}|local)_)?[0-9a-fA-F]{40})${E}`,
    'Sourcegraph access token',
  ),
  rule(
    'sidekiq-sensitive-url',
    'CONNECTION_STRING',
    ['contribsys.com'],
    'https?://([0-9a-f]{8}:[0-9a-f]{8})@(?:gems|enterprise)\\.contribsys\\.com',
    'Sidekiq Pro/Enterprise gem source URL with credentials',
    { ci: true, score: 0.95 },
  ),
  rule(
    'yandex-api-key',
    'YANDEX_KEY',
    ['aqvn'],
    `${B}(AQVN[A-Za-z0-9_-]{35,38})(?![A-Za-z0-9_-])`,
    'Yandex Cloud API key',
  ),
  rule(
    'yandex-access-token',
    'YANDEX_KEY',
    ['t1.'],
    `${B}(t1\\.[A-Za-z0-9_-]{8,128}={0,2}\\.[A-Za-z0-9_-]{86}={0,2})(?![A-Za-z0-9_-])`,
    'Yandex Cloud IAM access token',
  ),
  rule(
    'yandex-static-access-key',
    'YANDEX_KEY',
    ['yandex', 'yc_', 'ycaj'],
    assigned('yandex|yc_?(?:aws|s3|access|secret)', 'YC[A-Za-z0-9_-]{38}'),
    'Yandex Cloud static access key secret',
    { ci: true, score: 0.85 },
  ),
  // ── Context formats (value shape + the provider's name as key) ──────────────────────────────────
  named('adafruit-api-key', 'ADAFRUIT_KEY', ['adafruit'], '[A-Za-z0-9_-]{32}', 'Adafruit IO key'),
  named('adobe-client-id', 'ADOBE_SECRET', ['adobe'], '[0-9a-f]{32}', 'Adobe client id', 0.7),
  named('beamer-api-token', 'BEAMER_TOKEN', ['beamer'], 'b_[A-Za-z0-9=_-]{44}', 'Beamer API token'),
  named(
    'bitbucket-client-id',
    'BITBUCKET_TOKEN',
    ['bitbucket'],
    '[A-Za-z0-9]{32}',
    'Bitbucket OAuth client id',
    0.7,
  ),
  named(
    'bitbucket-client-secret',
    'BITBUCKET_TOKEN',
    ['bitbucket'],
    '[A-Za-z0-9=_-]{64}',
    'Bitbucket OAuth client secret',
  ),
  named('bittrex-api-key', 'BITTREX_KEY', ['bittrex'], '[A-Za-z0-9]{32}', 'Bittrex access or secret key'),
  named(
    'chargebee-api-key',
    'CHARGEBEE_KEY',
    ['chargebee'],
    '(?:test|live)_[A-Za-z0-9]{32,34}',
    'Chargebee API key',
  ),
  named('droneci-access-token', 'DRONECI_TOKEN', ['drone'], '[A-Za-z0-9]{32}', 'Drone CI access token'),
  named('etsy-api-key', 'ETSY_KEY', ['etsy'], '[A-Za-z0-9]{24}', 'Etsy API key'),
  named('finicity-client-secret', 'FINICITY_KEY', ['finicity'], '[A-Za-z0-9]{20}', 'Finicity client secret'),
  named('finicity-api-token', 'FINICITY_KEY', ['finicity'], '[0-9a-f]{32}', 'Finicity API token'),
  named('finnhub-api-token', 'FINNHUB_TOKEN', ['finnhub'], '[A-Za-z0-9]{20}', 'Finnhub API token'),
  named('flickr-api-key', 'FLICKR_KEY', ['flickr'], '[A-Za-z0-9]{32}', 'Flickr API key'),
  named('freshbooks-access-token', 'FRESHBOOKS_TOKEN', ['freshbooks'], '[A-Za-z0-9]{64}', 'FreshBooks token'),
  named('gitter-access-token', 'GITTER_TOKEN', ['gitter'], '[A-Za-z0-9_-]{40}', 'Gitter access token'),
  named(
    'kraken-api-key',
    'KRAKEN_KEY',
    ['kraken'],
    '[A-Za-z0-9/=_+-]{80,90}',
    'Kraken API key or private key',
  ),
  named('kucoin-access-token', 'KUCOIN_KEY', ['kucoin'], '[0-9a-f]{24}', 'KuCoin API key'),
  named('kucoin-secret-key', 'KUCOIN_KEY', ['kucoin'], UUID, 'KuCoin API secret'),
  named('looker-client-id', 'LOOKER_KEY', ['looker'], '[A-Za-z0-9]{20}', 'Looker API client id', 0.7),
  named('looker-client-secret', 'LOOKER_KEY', ['looker'], '[A-Za-z0-9]{24}', 'Looker API client secret'),
  named(
    'messagebird-api-token',
    'MESSAGEBIRD_TOKEN',
    ['messagebird', 'message-bird', 'message_bird'],
    '[A-Za-z0-9]{25}',
    'MessageBird API token',
  ),
  named(
    'messagebird-client-id',
    'MESSAGEBIRD_TOKEN',
    ['messagebird', 'message-bird', 'message_bird'],
    UUID,
    'MessageBird client id',
    0.7,
  ),
  named(
    'nytimes-access-token',
    'NYTIMES_TOKEN',
    ['nytimes', 'new-york-times', 'newyorktimes'],
    '[A-Za-z0-9=_-]{32}',
    'New York Times API access token',
  ),
  named('sendbird-access-id', 'SENDBIRD_TOKEN', ['sendbird'], UUID, 'Sendbird application id', 0.7),
  named('sendbird-access-token', 'SENDBIRD_TOKEN', ['sendbird'], '[0-9a-f]{40}', 'Sendbird API token'),
  rule(
    'sidekiq-secret',
    'SIDEKIQ_SECRET',
    ['contribsys__com'],
    assigned('BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM', '[0-9a-f]{8}:[0-9a-f]{8}'),
    'Sidekiq Pro/Enterprise license credentials',
    { ci: true, score: 0.9 },
  ),
  named(
    'squarespace-access-token',
    'SQUARESPACE_TOKEN',
    ['squarespace'],
    UUID,
    'Squarespace API access token',
  ),
  named('sumologic-access-id', 'SUMOLOGIC_KEY', ['sumo'], 'su[A-Za-z0-9]{12}', 'Sumo Logic access id', 0.7),
  named('twitch-api-token', 'TWITCH_TOKEN', ['twitch'], '[A-Za-z0-9]{30}', 'Twitch API token'),
  rule(
    'wundergraph-cosmo-api-key',
    'WUNDERGRAPH_KEY',
    ['cosmo_'],
    `${B}(cosmo_[0-9a-f]{32})${E}`,
    'WunderGraph Cosmo API key',
    { score: 0.85 },
  ),
];
