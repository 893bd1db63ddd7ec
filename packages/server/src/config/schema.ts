/**
 * The configuration schema: what parapet.yaml may contain, with snake_case keys as users write them.
 * Defaults come from DEFAULTS (defaults.ts). Objects are strict, so a misspelt key is an error (with a
 * did-you-mean suggestion, see load.ts), never silently ignored. docs/config.schema.json is generated
 * from this schema by scripts/gen-config-schema.ts.
 */
import { isIP } from 'node:net';
import { PolicyDocument, tryParseDuration } from '@parapet/core';
import { z } from 'zod';
import { DEFAULTS, LOG_LEVELS, UPSTREAM_TYPES } from './defaults.ts';

const copy = <T>(value: T): (() => T) => {
  return () => structuredClone(value) as T;
};

const httpUrl = z.string().refine(isHttpUrl, { message: 'must be an http:// or https:// URL' });
/** 0 asks the OS for a free port (tests). */
const port = z.number().int().min(0).max(65535);
const nonNegativeInt = z.number().int().min(0);
const positiveInt = z.number().int().min(1);
const stringMap = z.record(z.string(), z.string());
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const name = z.string().regex(NAME_PATTERN, {
  message: 'must start with a letter or digit and contain only letters, digits, `.`, `_` and `-`',
});

const TrustedIdentity = z
  .strictObject({
    enabled: z
      .boolean()
      .default(DEFAULTS.server.trusted_identity.enabled)
      .describe('Accept user, groups and app from headers set by a trusted proxy instead of a virtual key.'),
    sources: z
      .array(z.string().refine(isIpOrCidr, { message: 'must be an IP address or a CIDR range' }))
      .default(copy(DEFAULTS.server.trusted_identity.sources))
      .describe('Proxy addresses (IPs or CIDRs) allowed to assert identity.'),
    headers: z
      .strictObject({
        user: z.string().min(1).default(DEFAULTS.server.trusted_identity.headers.user),
        groups: z.string().min(1).default(DEFAULTS.server.trusted_identity.headers.groups),
        app: z.string().min(1).default(DEFAULTS.server.trusted_identity.headers.app),
      })
      .prefault({}),
  })
  .prefault({});

const Server = z
  .strictObject({
    host: z.string().min(1).default(DEFAULTS.server.host).describe('Interface to listen on.'),
    port: port.default(DEFAULTS.server.port).describe('TCP port of the gateway.'),
    body_limit_bytes: positiveInt
      .default(DEFAULTS.server.body_limit_bytes)
      .describe('Largest request body accepted.'),
    request_timeout_ms: positiveInt
      .default(DEFAULTS.server.request_timeout_ms)
      .describe(
        'Time allowed to receive a request (headers and body) from the client; upstream time is bounded by each upstream timeout_ms.',
      ),
    trusted_identity: TrustedIdentity,
    key_cache_ttl_ms: nonNegativeInt
      .default(DEFAULTS.server.key_cache_ttl_ms)
      .describe('How long a looked-up virtual key is cached.'),
  })
  .prefault({});

const Retries = z
  .strictObject({
    max: nonNegativeInt.default(DEFAULTS.upstream.retries.max).describe('Retries after the first attempt.'),
    base_delay_ms: nonNegativeInt.default(DEFAULTS.upstream.retries.base_delay_ms),
    max_delay_ms: nonNegativeInt.default(DEFAULTS.upstream.retries.max_delay_ms),
  })
  .prefault({});

const Azure = z.strictObject({
  api_version: z
    .string()
    .min(1)
    .default(DEFAULTS.azure.api_version)
    .describe('The `api-version` query parameter.'),
  deployments: stringMap
    .default(copy(DEFAULTS.azure.deployments))
    .describe('Model name → Azure deployment name; a model without an entry uses its own name.'),
});

/** One upstream provider endpoint, as written under `upstreams.<name>`. */
export const UpstreamSchema = z.strictObject({
  type: z
    .enum(UPSTREAM_TYPES)
    .describe('Wire format: `openai` (any OpenAI-compatible server), `anthropic` or `echo`.'),
  base_url: httpUrl
    .optional()
    .describe(
      'Defaults: openai https://api.openai.com/v1, anthropic https://api.anthropic.com; unused by echo.',
    ),
  api_key: z
    .string()
    .nullable()
    .default(DEFAULTS.upstream.api_key)
    // biome-ignore lint/suspicious/noTemplateCurlyInString: documents the config's `${ENV_VAR}` syntax
    .describe('Provider credential; use `${ENV_VAR}` interpolation rather than writing it in the file.'),
  headers: stringMap.default(copy(DEFAULTS.upstream.headers)).describe('Extra headers sent upstream.'),
  models: z
    .array(z.string().min(1))
    .optional()
    .describe('Model name patterns this upstream serves (`*` matches any run of characters).'),
  timeout_ms: positiveInt.default(DEFAULTS.upstream.timeout_ms),
  connect_timeout_ms: positiveInt.default(DEFAULTS.upstream.connect_timeout_ms),
  retries: Retries,
  version: z.string().min(1).optional().describe('anthropic only: the `anthropic-version` header.'),
  azure: Azure.optional().describe('openai only: talk to Azure OpenAI deployments.'),
});

const Price = z.strictObject({
  input_per_mtok: z.number().min(0).describe('USD per million input tokens.'),
  output_per_mtok: z.number().min(0).describe('USD per million output tokens.'),
});

/** One entry of the model table, as written under `models.<name>`. */
export const ModelEntrySchema = z.strictObject({
  provider: name.describe('Name of the upstream that serves this model.'),
  model: z.string().min(1).optional().describe('Model name sent upstream; defaults to the entry name.'),
  fallbacks: z
    .array(z.string().min(1))
    .default(copy(DEFAULTS.model.fallbacks))
    .describe('Models tried in order when this one fails.'),
  tags: z.array(z.string().min(1)).default(copy(DEFAULTS.model.tags)),
  aliases: z.array(z.string().min(1)).default(copy(DEFAULTS.model.aliases)),
  price: Price.nullable().default(DEFAULTS.model.price),
});

/** The whole parapet.yaml. Every key is optional; an empty file is a valid configuration. */
export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Ignored; lets editors find this schema.'),
    server: Server,
    data_dir: z
      .string()
      .min(1)
      .default(DEFAULTS.data_dir)
      .describe('Directory of the SQLite database, event spool and encryption key.'),
    database: z
      .strictObject({
        url: z
          .string()
          .refine(isPostgresUrl, { message: 'must start with `postgres://` or `postgresql://`' })
          .nullable()
          .default(DEFAULTS.database.url)
          .describe('null = SQLite in data_dir; postgres://… = PostgreSQL.'),
      })
      .prefault({}),
    upstreams: z
      .record(name, UpstreamSchema)
      .default(() => ({}))
      .describe('Provider endpoints by name.'),
    models: z
      .record(z.string().min(1), ModelEntrySchema)
      .default(() => ({}))
      .describe('Model table: name → upstream, upstream model, fallbacks, tags, aliases, price.'),
    events: z
      .strictObject({
        content_mode: z.enum(['none', 'redacted', 'encrypted']).default(DEFAULTS.events.content_mode),
        batch_size: positiveInt.default(DEFAULTS.events.batch_size),
        flush_interval_ms: positiveInt.default(DEFAULTS.events.flush_interval_ms),
        spool_max_bytes: nonNegativeInt.default(DEFAULTS.events.spool_max_bytes),
        max_content_bytes: nonNegativeInt.default(DEFAULTS.events.max_content_bytes),
      })
      .prefault({}),
    detectors: z
      .object({
        enabled: z
          .boolean()
          .default(DEFAULTS.detectors.enabled)
          .describe('false turns every built-in detector off.'),
        external: z
          .array(z.looseObject({ type: z.string() }))
          .default(() => [])
          .describe('External classifiers (onnx, llm_judge, lakera_guard); see docs/detectors.md.'),
      })
      .catchall(
        z
          .looseObject({ enabled: z.boolean().optional().describe('false turns this detector off.') })
          .describe("A built-in detector's settings, validated by that detector's own schema at start-up."),
      )
      .prefault({})
      .describe(
        'Built-in detectors by id (pii, secrets, code, confidential, dictionary, fingerprint) and their settings.',
      ),
    inspection: z
      .strictObject({
        detector_budget_ms: positiveInt
          .default(DEFAULTS.inspection.detector_budget_ms)
          .describe('Time each detector gets per inspection; past it the detector counts as failed.'),
        canary_tokens: z
          .boolean()
          .default(false)
          .describe(
            'Plant a per-request canary in the system prompt; the canary in an answer is a `prompt_attack` finding of type SYSTEM_PROMPT_LEAK.',
          ),
      })
      .prefault({}),
    streaming: z
      .strictObject({
        hold_back_chars: nonNegativeInt.default(DEFAULTS.streaming.hold_back_chars),
        window_chars: positiveInt.default(DEFAULTS.streaming.window_chars),
      })
      .prefault({}),
    policy: PolicyDocument.prefault({}).describe(
      'The initial policy version: rules by who, where to, direction and what was found; see docs/policy.md.',
    ),
    enforcement: z
      .strictObject({
        vault_ttl: z
          .string()
          .refine((t) => tryParseDuration(t) !== null, {
            message: 'must be a duration such as 30m, 24h or 7d',
          })
          .default('24h')
          .describe('How long a reversible-redaction vault entry (placeholder → encrypted value) is kept.'),
        approval_poll_ms: positiveInt
          .default(500)
          .describe('How often a held request checks the store for a reviewer decision.'),
        keep_alive_ms: positiveInt
          .default(10_000)
          .describe('Interval of SSE keep-alive comments sent to a held streaming request.'),
        output_hold_back_chars: nonNegativeInt
          .default(48)
          .describe(
            'Characters of streamed output held back while a rule may redact output, so a value is masked whole (48 covers card numbers and IBANs).',
          ),
        output_hold_back_mode: z
          .enum(['adaptive', 'fixed'])
          .default('adaptive')
          .describe(
            '`adaptive`: hold back only the current word and any digit groups before it (cards, IBANs, phone numbers, e-mail addresses), so the first token is not delayed; `fixed`: always `output_hold_back_chars` (also covers multi-word names).',
          ),
        policy_refresh_ms: positiveInt
          .default(1000)
          .describe(
            'How often the gateway picks up policy activations and kill-switch changes from the store.',
          ),
      })
      .prefault({})
      .describe('How policy actions are carried out: vault expiry, approval polling, policy refresh.'),
    logging: z.strictObject({ level: z.enum(LOG_LEVELS).default(DEFAULTS.logging.level) }).prefault({}),
    telemetry: z
      .strictObject({
        otlp: z
          .strictObject({
            endpoint: httpUrl
              .nullable()
              .default(DEFAULTS.telemetry.otlp.endpoint)
              .describe('OTLP/HTTP endpoint for traces; null disables tracing.'),
            headers: stringMap.default(copy(DEFAULTS.telemetry.otlp.headers)),
            service_name: z.string().min(1).default(DEFAULTS.telemetry.otlp.service_name),
          })
          .prefault({}),
      })
      .prefault({}),
    admin: z
      .strictObject({
        token: z
          .string()
          .min(16, {
            message: 'must be at least 16 characters; generate one with `openssl rand -hex 32`',
          })
          .nullable()
          .default(null)
          .describe(
            // biome-ignore lint/suspicious/noTemplateCurlyInString: documents the config's `${ENV_VAR}` syntax
            'Bootstrap (break-glass) bearer token of the admin API (`/admin/api/v1`), role admin; null: only accounts and API tokens sign in, and the API answers 404 until an account exists (`parapet users add`). Use `${ENV_VAR}` interpolation or PARAPET_ADMIN_TOKEN rather than writing it in the file.',
          ),
        session_ttl: z
          .string()
          .refine((t) => tryParseDuration(t) !== null, {
            message: 'must be a duration such as 8h or 12h',
          })
          .default('12h')
          .describe(
            'Absolute lifetime of an admin session (the dashboard sign-in): it ends this long after sign-in.',
          ),
        session_idle_ttl: z
          .string()
          .refine((t) => tryParseDuration(t) !== null, {
            message: 'must be a duration such as 30m or 1h',
          })
          .default('1h')
          .describe('An admin session unused for this long ends (capped by session_ttl).'),
        trusted_proxies: z
          .array(z.string().refine(isIpOrCidr, { message: 'must be an IP address or a CIDR range' }))
          .default(() => [])
          .describe(
            'Reverse proxies (IPs or CIDRs) in front of the admin API and dashboard whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed: the client address (sign-in limits, audit trail) and whether the request came over TLS (the Secure cookie attribute). Empty: only the socket counts.',
          ),
      })
      .prefault({})
      .describe(
        'The admin API and its access control: accounts, sessions, API tokens; see docs/admin-access.md.',
      ),
    siem: z
      .strictObject({
        url: httpUrl
          .nullable()
          .default(null)
          .describe(
            'Where batches of events are POSTed as NDJSON (the SIEM webhook sink); null turns the sink off unless it is set at run time through the admin API (`PUT /admin/api/v1/siem`).',
          ),
        secret: z
          .string()
          .min(16, { message: 'must be at least 16 characters; generate one with `openssl rand -hex 32`' })
          .nullable()
          .default(null)
          .describe(
            // biome-ignore lint/suspicious/noTemplateCurlyInString: documents the config's `${ENV_VAR}` syntax
            'HMAC-SHA256 key signing every body (`x-parapet-signature`); required with `url`. Use `${ENV_VAR}` interpolation rather than writing it in the file.',
          ),
        batch_size: positiveInt.max(10_000).default(500).describe('Most events per POST.'),
        flush_interval_ms: positiveInt
          .max(3_600_000)
          .default(5000)
          .describe('How often the sink looks for new events once it has caught up.'),
        max_retries: nonNegativeInt
          .max(100)
          .default(8)
          .describe(
            'Retries of one POST after a 5xx, 429 or network error (exponential backoff with jitter); then the batch waits for the next round, it is never skipped.',
          ),
        timeout_ms: positiveInt.max(600_000).default(10_000).describe('Deadline of one POST.'),
        delay_ms: nonNegativeInt
          .max(86_400_000)
          .default(120_000)
          .describe(
            'PostgreSQL: how long a stored event waits (by the database clock) before it is exported, so concurrent inserts are read in commit order; at least 5000 is used. SQLite: no effect. The sink follows the order events are stored, so long requests need no delay.',
          ),
        content: z
          .enum(['redacted', 'none'])
          .default('redacted')
          .describe(
            '`redacted`: each event carries its content with findings masked (never plaintext); `none`: metadata only.',
          ),
        start: z
          .enum(['now', 'beginning'])
          .default('now')
          .describe(
            'Where a sink that never ran starts: after the events already stored (`now`), or every stored event (`beginning`). Later starts resume from the stored cursor.',
          ),
      })
      .refine((siem) => siem.url === null || siem.secret !== null, {
        message: 'is required when `siem.url` is set; generate one with `openssl rand -hex 32`',
        path: ['secret'],
      })
      .prefault({})
      .describe('Streaming export of events to a SIEM (signed NDJSON webhook); see docs/operations.md.'),
    dashboard: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            'Serve the dashboard (the built single-page app of packages/dashboard) at `/`. It only talks to the admin API, which keeps its own access control.',
          ),
        dir: z
          .string()
          .min(1)
          .nullable()
          .default(null)
          .describe(
            'Directory of the built dashboard (holding index.html and assets/); null = packages/dashboard/dist beside the server.',
          ),
      })
      .prefault({})
      .describe('The web dashboard served by the gateway; see docs/dashboard.md.'),
  })
  .describe('Parapet gateway configuration (parapet.yaml).');

/** What users may write (every key optional). */
export type ConfigInput = z.input<typeof ConfigSchema>;
/** The schema's output: every default applied, upstreams not yet completed per type (see Config). */
export type ParsedConfig = z.output<typeof ConfigSchema>;

/** The JSON Schema of parapet.yaml, as written to docs/config.schema.json. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', target: 'draft-2020-12' });
  return { ...schema, title: 'Parapet configuration' };
}

/** The exact text of docs/config.schema.json: the JSON Schema, 2-space indented, newline at the end. */
export function configSchemaFileText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const protocol = new URL(text).protocol;
  return protocol === 'http:' || protocol === 'https:';
}

function isPostgresUrl(text: string): boolean {
  return (text.startsWith('postgres://') || text.startsWith('postgresql://')) && URL.canParse(text);
}

function isIpOrCidr(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash === -1) return isIP(text) !== 0;
  const family = isIP(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (family === 0 || bits.length === 0 || bits.length > 3) return false;
  for (const char of bits) {
    if (char < '0' || char > '9') return false;
  }
  return Number(bits) <= (family === 4 ? 32 : 128);
}
