/**
 * The demo deployment: the model table (every model answered by the built-in echo model, so no provider
 * key and no network are needed), the demo policy (examples/demo-policy.yaml) and how both are laid over
 * the deployment's own configuration (its store, content mode and detector settings are kept).
 */
import { buildConfig, type Config } from '../config/index.ts';

/** Upstreams of the demo: echo models under provider-like names, prefixed `demo-`. */
export const DEMO_UPSTREAMS = {
  'demo-openai': { type: 'echo', models: ['gpt-4o-mini', 'gpt-4o'] },
  'demo-anthropic': { type: 'echo', models: ['claude-3-5-haiku', 'claude-3-5-sonnet'] },
  'demo-private': { type: 'echo', models: ['llama-3.1-70b-instruct'] },
} as const;

/** The demo model table, with illustrative list prices (USD per million tokens) so costs add up. */
export const DEMO_MODEL_TABLE = {
  'gpt-4o-mini': {
    provider: 'demo-openai',
    tags: ['public'],
    price: { input_per_mtok: 0.15, output_per_mtok: 0.6 },
  },
  'gpt-4o': {
    provider: 'demo-openai',
    tags: ['public'],
    price: { input_per_mtok: 2.5, output_per_mtok: 10 },
  },
  'claude-3-5-haiku': {
    provider: 'demo-anthropic',
    tags: ['public'],
    price: { input_per_mtok: 0.8, output_per_mtok: 4 },
  },
  'claude-3-5-sonnet': {
    provider: 'demo-anthropic',
    tags: ['public'],
    price: { input_per_mtok: 3, output_per_mtok: 15 },
  },
  'private-llm': {
    provider: 'demo-private',
    model: 'llama-3.1-70b-instruct',
    tags: ['private'],
    price: { input_per_mtok: 0.1, output_per_mtok: 0.1 },
  },
} as const;

const PII_FOR_PUBLIC_MODELS = [
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'CREDIT_CARD',
  'IBAN_CODE',
  'IP_ADDRESS',
  'STREET_ADDRESS',
  'DATE_OF_BIRTH',
];

/** The demo policy: the same document as examples/demo-policy.yaml (a test keeps them equal). */
export const DEMO_POLICY = {
  default: 'allow',
  groups: ['eng', 'finance', 'legal', 'support', 'contractors'],
  rules: [
    {
      id: 'flag-confidential-documents',
      when: { direction: 'input', detections: { confidential: {} } },
      action: 'monitor',
      tags: ['confidential'],
    },
    {
      id: 'flag-abusive-language',
      when: { detections: { toxicity: { min_score: 0.6 } } },
      action: 'monitor',
      tags: ['conduct'],
    },
    {
      id: 'block-secrets',
      when: { direction: 'input', detections: { secrets: {} } },
      action: 'block',
      message: 'Credentials must never be sent to an AI model. Remove them and try again.',
    },
    {
      id: 'injected-instructions-in-tool-results',
      when: { detections: { prompt_attack: { sources: ['tool_result'], min_score: 0.7 } } },
      action: 'block',
    },
    {
      id: 'attacks',
      when: { direction: 'input', detections: { prompt_attack: { min_score: 0.8 } } },
      action: 'block',
    },
    {
      id: 'harmful-requests',
      when: { direction: 'input', detections: { harmful: { min_score: 0.9 } } },
      action: 'block',
      message: 'This request is outside the acceptable-use policy.',
      block: { respond_as: 'assistant_message' },
    },
    {
      id: 'redact-pii-for-public-models',
      when: {
        direction: 'input',
        destination: { tags: ['public'] },
        detections: { pii: { types: PII_FOR_PUBLIC_MODELS } },
      },
      action: 'redact',
    },
    {
      id: 'legal-stays-private',
      when: { direction: 'input', detections: { topics: { labels: ['legal'], min_score: 0.6 } } },
      action: 'route',
      route_to: 'private-llm',
    },
    {
      id: 'contractors-finance-needs-approval',
      when: { groups: ['contractors'], detections: { topics: { labels: ['finance'], min_score: 0.6 } } },
      action: 'hold',
      hold: { timeout: '15m' },
    },
    {
      id: 'coach-on-source-code',
      when: { apps: ['demo-chat-web'], detections: { code: {} } },
      action: 'warn',
      message: 'Pasting source code into the chat assistant needs a reason. Acknowledge to continue.',
    },
    {
      id: 'leak-in-answers',
      when: { direction: 'output', detections: { pii: { types: ['CREDIT_CARD', 'IBAN_CODE'] } } },
      action: 'redact',
      redact: { mode: 'mask' },
    },
  ],
};

/** What the demo changes besides models and policy. */
export interface DemoConfigOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The admin API token; null keeps the admin API off. */
  adminToken: string | null;
  logLevel?: Config['logging']['level'];
  /** How often a held request checks for a reviewer's decision (the seeder decides within milliseconds). */
  approvalPollMs?: number;
}

/**
 * The demo configuration laid over the deployment's. Kept from the deployment: the data directory and
 * database (events land where the dashboard reads them), the event settings (content mode, batching),
 * the built-in detectors' settings (external classifiers are left out), inspection, streaming and
 * enforcement settings, and the dashboard's. Replaced: upstreams, model table and policy. Everything else (tracing, trusted
 * identity headers, the SIEM sink's file settings, …) is left at its default.
 */
export function demoConfig(base: Config, options: DemoConfigOptions): Config {
  const raw = {
    data_dir: base.data_dir,
    database: base.database,
    events: base.events,
    inspection: base.inspection,
    streaming: base.streaming,
    server: {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      body_limit_bytes: base.server.body_limit_bytes,
      request_timeout_ms: base.server.request_timeout_ms,
    },
    upstreams: DEMO_UPSTREAMS,
    models: DEMO_MODEL_TABLE,
    policy: DEMO_POLICY,
    detectors: { ...base.detectors, external: [] },
    enforcement: {
      ...base.enforcement,
      ...(options.approvalPollMs === undefined ? {} : { approval_poll_ms: options.approvalPollMs }),
    },
    logging: { level: options.logLevel ?? base.logging.level },
    admin: { token: options.adminToken },
    dashboard: base.dashboard,
  };
  return buildConfig(structuredClone(raw), { env: {}, cwd: base.data_dir, file: null });
}
