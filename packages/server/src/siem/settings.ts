/**
 * The SIEM sink's settings: the `siem` section of the config file, replaced at run time by the setting
 * `siem.settings` once an admin writes it (`PUT /admin/api/v1/siem`), on every replica without a restart.
 * The setting keeps the HMAC secret encrypted with the content key (AES-256-GCM), never in clear.
 */
import { z } from 'zod';
import type { Config } from '../config/index.ts';
import { decryptContent, encryptContent } from '../store/content-crypto.ts';
import type { SettingRecord, SettingsStore } from '../store/ports.ts';
import { MAX_QUERY_LIMIT } from '../store/store-rows.ts';

/** The setting that replaces the config file's `siem` section. */
export const SIEM_SETTINGS_KEY = 'siem.settings';

/** Shortest secret accepted, as for the admin token. */
export const SIEM_SECRET_MIN_LENGTH = 16;

export const SIEM_CONTENT_MODES = ['redacted', 'none'] as const;
export type SiemContentMode = (typeof SIEM_CONTENT_MODES)[number];

export const SIEM_STARTS = ['now', 'beginning'] as const;

/** The settings the exporter runs with (camelCase; the secret in clear, in memory only). */
export interface SiemSettings {
  /** False: the sink does nothing (and holds no lease). */
  enabled: boolean;
  url: string | null;
  secret: string | null;
  batchSize: number;
  flushIntervalMs: number;
  maxRetries: number;
  timeoutMs: number;
  delayMs: number;
  content: SiemContentMode;
  start: (typeof SIEM_STARTS)[number];
}

/** The fields an admin may set, shared by the stored setting and the `PUT /siem` body; the same bounds as the config file's `siem` section. */
export const SiemTunables = {
  batchSize: z.number().int().min(1).max(MAX_QUERY_LIMIT).describe('Most events per POST.'),
  flushIntervalMs: z
    .number()
    .int()
    .min(1)
    .max(3_600_000)
    .describe('How often the sink looks for new events once caught up.'),
  maxRetries: z
    .number()
    .int()
    .min(0)
    .max(100)
    .describe('Retries of one POST after a 5xx, 429 or network error.'),
  timeoutMs: z.number().int().min(1).max(600_000).describe('Deadline of one POST.'),
  delayMs: z
    .number()
    .int()
    .min(0)
    .max(86_400_000)
    .describe(
      'PostgreSQL: the settle margin before a stored event is exported (at least 5000 is used); SQLite: no effect.',
    ),
  content: z
    .enum(SIEM_CONTENT_MODES)
    .describe('`redacted`: content with findings masked; `none`: metadata only.'),
  start: z.enum(SIEM_STARTS).describe('Where a sink that never ran starts.'),
} as const;

/** The value of the `siem.settings` setting. */
export const StoredSiemSettings = z.object({
  enabled: z.boolean(),
  url: z.string().nullable(),
  /** `v1:<iv>:<tag>:<ciphertext>` of the secret under the content key, or null. */
  secret: z.string().nullable(),
  ...SiemTunables,
});
export type StoredSiemSettings = z.infer<typeof StoredSiemSettings>;

/** The settings from the config file: on when `siem.url` is set. */
export function siemSettingsFromConfig(config: Pick<Config, 'siem'>): SiemSettings {
  const s = config.siem;
  return {
    enabled: s.url !== null,
    url: s.url,
    secret: s.secret,
    batchSize: s.batch_size,
    flushIntervalMs: s.flush_interval_ms,
    maxRetries: s.max_retries,
    timeoutMs: s.timeout_ms,
    delayMs: s.delay_ms,
    content: s.content,
    start: s.start,
  };
}

/** Where the settings in force come from. */
export type SiemSettingsSource = 'config' | 'setting';

/** The settings in force and their origin; `problem` says why they cannot run (e.g. the secret does not decrypt). */
export interface EffectiveSiemSettings {
  source: SiemSettingsSource;
  settings: SiemSettings;
  setting: SettingRecord | null;
  problem: string | null;
}

/**
 * The settings in force: the run-time setting when it exists and parses, else the config file. A
 * setting whose secret cannot be decrypted (another content key) is reported as a problem, and the sink
 * stays off rather than sending unsigned or wrongly signed bodies.
 */
export async function loadSiemSettings(
  store: Pick<SettingsStore, 'getSetting'>,
  config: Pick<Config, 'siem'>,
  contentKey: Uint8Array | null,
): Promise<EffectiveSiemSettings> {
  const record = await store.getSetting(SIEM_SETTINGS_KEY);
  if (record === null) {
    return { source: 'config', settings: siemSettingsFromConfig(config), setting: null, problem: null };
  }
  const parsed = StoredSiemSettings.safeParse(record.value);
  if (!parsed.success) {
    return {
      source: 'setting',
      settings: { ...siemSettingsFromConfig(config), enabled: false },
      setting: record,
      problem: `the setting \`${SIEM_SETTINGS_KEY}\` does not parse; write it again with \`PUT /admin/api/v1/siem\``,
    };
  }
  const stored = parsed.data;
  let secret: string | null = null;
  let problem: string | null = null;
  if (stored.secret !== null) {
    try {
      if (contentKey === null) throw new Error('no content key');
      secret = decryptContent(contentKey, stored.secret);
    } catch {
      problem =
        'the SIEM secret in the run-time settings cannot be decrypted with this content key; set it again with `PUT /admin/api/v1/siem`';
    }
  }
  return {
    source: 'setting',
    settings: {
      enabled: stored.enabled && problem === null,
      url: stored.url,
      secret,
      batchSize: stored.batchSize,
      flushIntervalMs: stored.flushIntervalMs,
      maxRetries: stored.maxRetries,
      timeoutMs: stored.timeoutMs,
      delayMs: stored.delayMs,
      content: stored.content,
      start: stored.start,
    },
    setting: record,
    problem,
  };
}

/** The stored form of settings: the secret encrypted under the content key. */
export function storedSiemSettings(
  settings: SiemSettings,
  contentKey: Uint8Array | null,
): StoredSiemSettings {
  let secret: string | null = null;
  if (settings.secret !== null) {
    if (contentKey === null) throw new Error('the SIEM secret cannot be stored without a content key');
    secret = encryptContent(contentKey, settings.secret);
  }
  const { secret: _clear, ...rest } = settings;
  return { ...rest, secret };
}

/** True when the settings can send: on, with a URL and a secret. */
export function siemReady(
  settings: SiemSettings,
): settings is SiemSettings & { url: string; secret: string } {
  return settings.enabled && settings.url !== null && settings.secret !== null;
}

/**
 * The URL as it may be shown and logged: a password in it becomes `***` and every query value `***`
 * (webhook URLs sometimes carry a token there).
 */
export function displayUrl(url: string | null): string | null {
  if (url === null) return null;
  if (!URL.canParse(url)) return '[invalid url]';
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  const names = [...new Set(parsed.searchParams.keys())];
  for (const name of names) parsed.searchParams.set(name, '***');
  return parsed.toString();
}
