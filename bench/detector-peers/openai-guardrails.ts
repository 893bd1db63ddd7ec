// @openai/guardrails as a benchmark target: only its non-LLM checks, imported from their own modules so
// the client, agents and LLM checks are never loaded: `pii` (regex, default entities, mask mode),
// `secretKeysCheck` (entropy and patterns, `balanced`) and `urls` (URL filter, default config).

import { importPeer, peerVersion } from './load.ts';
import { locateValues, type TypedSpan } from './spans.ts';
import type { BenchTarget } from './types.ts';

interface CheckResult {
  tripwireTriggered: boolean;
  info: Record<string, unknown>;
}
type Check<C> = (ctx: unknown, data: string, config: C) => Promise<CheckResult>;
interface Schema<C> {
  parse(input: unknown): C;
}
interface PiiModule {
  pii: Check<unknown>;
  PIIConfig: Schema<unknown>;
}
interface SecretsModule {
  secretKeysCheck: Check<unknown>;
  SecretKeysConfig: Schema<unknown>;
}
interface UrlsModule {
  urls: Check<unknown>;
  UrlsConfig: Schema<unknown>;
}

/** OpenAI Guardrails entity → Presidio name where they differ (LOCATION is its street-address regex). */
export const OPENAI_TYPE_MAP: Readonly<Record<string, string>> = {
  LOCATION: 'STREET_ADDRESS',
  URL: 'DOMAIN_NAME',
};

/** Every entity type its PII check has on by default (PERSON and NRP are off by default). */
const DEFAULT_ENTITIES = [
  'CREDIT_CARD',
  'CRYPTO',
  'DATE_TIME',
  'EMAIL_ADDRESS',
  'IBAN_CODE',
  'IP_ADDRESS',
  'LOCATION',
  'PHONE_NUMBER',
  'MEDICAL_LICENSE',
  'URL',
  'CVV',
  'BIC_SWIFT',
  'US_BANK_NUMBER',
  'US_DRIVER_LICENSE',
  'US_ITIN',
  'US_PASSPORT',
  'US_SSN',
  'UK_NHS',
  'UK_NINO',
  'ES_NIF',
  'ES_NIE',
  'IT_FISCAL_CODE',
  'IT_DRIVER_LICENSE',
  'IT_VAT_CODE',
  'IT_PASSPORT',
  'IT_IDENTITY_CARD',
  'PL_PESEL',
  'SG_NRIC_FIN',
  'SG_UEN',
  'AU_ABN',
  'AU_ACN',
  'AU_TFN',
  'AU_MEDICARE',
  'IN_PAN',
  'IN_AADHAAR',
  'IN_VEHICLE_REGISTRATION',
  'IN_VOTER',
  'IN_PASSPORT',
  'FI_PERSONAL_IDENTITY_CODE',
  'KR_RRN',
];

const BASE = '@openai/guardrails/dist/checks';

/** Builds the OpenAI Guardrails target with its non-LLM checks on default settings. */
export async function createOpenAiGuardrailsTarget(): Promise<BenchTarget> {
  const piiModule = await importPeer<PiiModule>(`${BASE}/pii.js`);
  const secretsModule = await importPeer<SecretsModule>(`${BASE}/secret-keys.js`);
  const urlsModule = await importPeer<UrlsModule>(`${BASE}/urls.js`);
  const piiConfig = piiModule.PIIConfig.parse({});
  const secretsConfig = secretsModule.SecretKeysConfig.parse({});
  const urlsConfig = urlsModule.UrlsConfig.parse({});
  // The checks reject empty text; an empty prompt has nothing to find.
  const runPii = async (text: string) => (text.trim() === '' ? null : piiModule.pii(null, text, piiConfig));
  const piiFlagged = (r: CheckResult | null) => r !== null && r.info['pii_detected'] === true;
  const runSecrets = async (text: string) => secretsModule.secretKeysCheck(null, text, secretsConfig);
  const runUrls = async (text: string) => urlsModule.urls(null, text, urlsConfig);
  return {
    id: 'openai-guardrails',
    label: `@openai/guardrails ${peerVersion('@openai/guardrails')}`,
    checks: ['pii (regex, default entities, mask mode)', 'secret keys (balanced)', 'URL filter (defaults)'],
    typeMap: OPENAI_TYPE_MAP,
    piiTypes: [...new Set(DEFAULT_ENTITIES.map((t) => OPENAI_TYPE_MAP[t] ?? t))],
    async all(text) {
      const [p, s, u] = await Promise.all([runPii(text), runSecrets(text), runUrls(text)]);
      return piiFlagged(p) || s.tripwireTriggered || u.tripwireTriggered;
    },
    async pii(text): Promise<TypedSpan[]> {
      const r = await runPii(text);
      if (r === null) return [];
      // It reports each entity type's matched values, not offsets: locate them in the text.
      const detected = (r.info['detected_entities'] ?? {}) as Record<string, string[]>;
      const values = Object.entries(detected).flatMap(([type, list]) =>
        list.map((value) => ({ type: OPENAI_TYPE_MAP[type] ?? type, value })),
      );
      return locateValues(text, values);
    },
    async secrets(text) {
      return (await runSecrets(text)).tripwireTriggered;
    },
    parts() {
      return { pii: runPii, secrets: runSecrets, urls: runUrls };
    },
  };
}
