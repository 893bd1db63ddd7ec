/**
 * Every configuration default, in one place. The zod schema (schema.ts) reads its defaults from here,
 * docs/configuration.md documents them and docs/config.schema.json is generated from the schema, so a
 * default changes here and nowhere else. Keys are snake_case, as users write them in parapet.yaml.
 */
import { deepFreeze } from './freeze.ts';

export const DEFAULTS = deepFreeze({
  server: {
    /** Interface to listen on. 127.0.0.1 keeps the gateway private to this machine; 0.0.0.0 for all. */
    host: '127.0.0.1',
    /** TCP port of the gateway and admin API. */
    port: 8787,
    /** Largest request body accepted (10 MiB); bigger bodies get 413 PARAPET_REQUEST_TOO_LARGE. */
    body_limit_bytes: 10 * 1024 * 1024,
    /** Whole-request deadline, upstream included (10 minutes: long generations stream that long). */
    request_timeout_ms: 600_000, // receiving the request from the client
    trusted_identity: {
      /** Accept identity from headers set by a trusted proxy (SSO front end) instead of a virtual key. */
      enabled: false,
      /** Proxy addresses (IPs or CIDRs) allowed to assert identity; required when enabled. */
      sources: [] as string[],
      headers: {
        user: 'x-parapet-user',
        /** Comma-separated group names. */
        groups: 'x-parapet-groups',
        app: 'x-parapet-app',
      },
    },
    /** How long a looked-up virtual key is cached; a revoked key stops working within this time. */
    key_cache_ttl_ms: 2000,
  },
  /** Where the SQLite database, the event spool and the encryption key live (relative: see load.ts). */
  data_dir: './data',
  database: {
    /** null = SQLite in data_dir; `postgres://…` or `postgresql://…` = PostgreSQL. */
    url: null as string | null,
  },
  /** Applied to every upstream, whatever its type. */
  upstream: {
    /** Sent as the provider credential; null sends none (local servers). */
    api_key: null as string | null,
    /** Extra headers sent with every upstream request. */
    headers: {} as Record<string, string>,
    /** Deadline for a whole upstream call, and the idle limit between stream chunks. */
    timeout_ms: 600_000,
    /** Deadline for opening the TCP/TLS connection. */
    connect_timeout_ms: 10_000,
    /** Retries on connection errors, 429 and 5xx, with exponential backoff and full jitter. */
    retries: { max: 2, base_delay_ms: 250, max_delay_ms: 8000 },
  },
  /** Per upstream `type`: filled in when the upstream does not set them. */
  upstream_types: {
    openai: {
      base_url: 'https://api.openai.com/v1',
      /** Model patterns, used only when base_url is the official OpenAI API (other servers: none). */
      models: ['gpt-*', 'o1*', 'o3*', 'o4*', 'chatgpt-*', 'text-embedding-*'],
    },
    anthropic: {
      base_url: 'https://api.anthropic.com',
      /** The `anthropic-version` header. */
      version: '2023-06-01',
      models: ['claude-*'],
    },
    /** The built-in demo model: answers `Echo: <your text>`, needs no key and no network. */
    echo: {
      models: ['echo', 'echo-embedding'],
    },
  },
  /** The `azure` block of an openai-type upstream (Azure OpenAI). */
  azure: {
    api_version: '2024-10-21',
    /** Model name → Azure deployment name; a model without an entry uses its own name. */
    deployments: {} as Record<string, string>,
  },
  /** Per entry of the `models` table. */
  model: {
    /** Models (table names, aliases or upstream-matched names) tried in order when this one fails. */
    fallbacks: [] as string[],
    /** Free labels that policies can match (for example `public`, `private`). */
    tags: [] as string[],
    /** Other names clients may use for this model. */
    aliases: [] as string[],
    /** USD per million tokens; null = cost unknown. */
    price: null as { input_per_mtok: number; output_per_mtok: number } | null,
  },
  events: {
    /** What of the prompt and answer is stored: `encrypted` (AES-256-GCM), `redacted` or `none`. */
    content_mode: 'encrypted' as 'none' | 'redacted' | 'encrypted',
    /** Events written per database transaction. */
    batch_size: 200,
    /** Longest an event waits in memory before it is written. */
    flush_interval_ms: 100,
    /** Disk space for events kept while the database is unreachable (1 GiB); beyond it they are dropped. */
    spool_max_bytes: 1024 * 1024 * 1024,
    /** Content longer than this (1 MiB) is truncated in the stored event. */
    max_content_bytes: 1024 * 1024,
  },
  inspection: {
    /** Time each detector gets per inspection; past it the detector counts as failed (reason `timeout`). */
    detector_budget_ms: 250,
  },
  detectors: {
    /** false turns every built-in detector off (the inspection points still run, with nothing to ask). */
    enabled: true,
  },
  streaming: {
    /** Characters held back from the client so the output inspector can act first; 0 = none. */
    hold_back_chars: 0,
    /** Size of the text window the output detectors see at each step. */
    window_chars: 512,
  },
  logging: {
    /** `silent`, `error`, `warn`, `info` or `debug`. */
    level: 'info' as 'silent' | 'error' | 'warn' | 'info' | 'debug',
  },
  telemetry: {
    otlp: {
      /** OTLP/HTTP endpoint for traces (for example http://localhost:4318); null disables tracing. */
      endpoint: null as string | null,
      /** Headers sent with each export (for example an API key of the tracing backend). */
      headers: {} as Record<string, string>,
      service_name: 'parapet',
    },
  },
});

/** The log levels `logging.level` accepts, quietest first. */
export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;

/** The upstream types Parapet can talk to. */
export const UPSTREAM_TYPES = ['openai', 'anthropic', 'echo'] as const;
