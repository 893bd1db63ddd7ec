/**
 * Request and response bodies of the platform part of the admin API: virtual keys, the SIEM sink's
 * settings and status, and the OpenAPI document. One zod schema and type under one name each.
 */
import { z } from 'zod';
import { SIEM_SECRET_MIN_LENGTH, SiemTunables } from '../siem/settings.ts';
import { SiemFailure, SiemStats, StoredSiemCursor } from '../siem/state.ts';

const isoTime = z.string().describe('ISO-8601 time (UTC, milliseconds).');
const label = z.string().trim().min(1, { message: 'must not be empty' }).max(200);

// ---------------------------------------------------------------------------------------------------
// Keys

export const KeyPath = z.strictObject({
  id: z.string().min(1).max(200).describe('The key id, as `GET /keys` lists it.'),
});
export type KeyPath = z.infer<typeof KeyPath>;

/** A virtual key as listed: never the secret, never its hash. */
export const KeySummary = z.object({
  id: z.string(),
  user: z.string().nullable(),
  groups: z.array(z.string()),
  app: z.string().nullable(),
  models: z.array(z.string()).nullable().describe('Models the key may use; null: all.'),
  createdAt: isoTime,
  expiresAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
  status: z.enum(['ok', 'expired', 'revoked']).describe('Whether the key works now.'),
});
export type KeySummary = z.infer<typeof KeySummary>;

export const KeyList = z.object({ keys: z.array(KeySummary).describe('Oldest first.') });
export type KeyList = z.infer<typeof KeyList>;

export const CreateKeyRequest = z.strictObject({
  user: label.nullable().optional().describe('The user the key belongs to.'),
  groups: z.array(label).max(100).default([]).describe('Groups of the user (policies match them).'),
  app: label.nullable().optional().describe('The application using the key.'),
  models: z
    .array(label)
    .min(1, { message: 'must list at least one model; send null (or leave it out) for every model' })
    .max(200)
    .nullable()
    .optional()
    .describe('Models the key may use; null or absent: all.'),
  expires: z
    .string()
    .min(1)
    .max(40)
    .nullable()
    .optional()
    .describe(
      'A duration from now (`90m`, `12h`, `30d`, `2w`) or an ISO date or time; null or absent: never.',
    ),
});
export type CreateKeyRequest = z.infer<typeof CreateKeyRequest>;

export const NewKey = KeySummary.extend({
  key: z
    .string()
    .describe('The key itself (`ppk_…`): shown in this answer only; the gateway keeps its SHA-256 hash.'),
});
export type NewKey = z.infer<typeof NewKey>;

export const RevokedKey = KeySummary.extend({
  alreadyRevoked: z.boolean().describe('The key was revoked before this request (its `revokedAt` is kept).'),
});
export type RevokedKey = z.infer<typeof RevokedKey>;

// ---------------------------------------------------------------------------------------------------
// SIEM sink

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2000);

/** `PUT /siem`: the fields to change; absent fields keep their current value. */
export const PutSiemRequest = z.strictObject({
  enabled: z.boolean().optional().describe('false stops the export (the cursor is kept).'),
  url: httpUrl.nullable().optional().describe('Where batches are POSTed.'),
  secret: z
    .string()
    .min(SIEM_SECRET_MIN_LENGTH, {
      message: `must be at least ${SIEM_SECRET_MIN_LENGTH} characters; generate one with \`openssl rand -hex 32\``,
    })
    .max(1000)
    .optional()
    .describe('The HMAC key; write-only (never shown); stored encrypted with the content key.'),
  batchSize: SiemTunables.batchSize.optional(),
  flushIntervalMs: SiemTunables.flushIntervalMs.optional(),
  maxRetries: SiemTunables.maxRetries.optional(),
  timeoutMs: SiemTunables.timeoutMs.optional(),
  delayMs: SiemTunables.delayMs.optional(),
  content: SiemTunables.content.optional(),
  start: SiemTunables.start.optional(),
});
export type PutSiemRequest = z.infer<typeof PutSiemRequest>;

export const SiemSettingsView = z.object({
  enabled: z.boolean(),
  url: z.string().nullable().describe('The endpoint, with a password and query values shown as `***`.'),
  secretSet: z.boolean().describe('A secret is configured (it is never shown).'),
  ...SiemTunables,
});
export type SiemSettingsView = z.infer<typeof SiemSettingsView>;

/** `backlog` of `GET /siem` is counted up to this. */
export const SIEM_BACKLOG_CAP = 100_000;

export const SiemView = z.object({
  source: z
    .enum(['config', 'setting'])
    .describe('`setting`: written through this API (wins); `config`: the `siem` section of the config file.'),
  setting: z.object({ revision: z.number().int(), updatedBy: z.string(), updatedAt: isoTime }).nullable(),
  problem: z.string().nullable().describe('Why the settings cannot run (the sink is then off), or null.'),
  settings: SiemSettingsView,
  status: z.object({
    lease: z
      .object({
        holder: z.string().describe('The replica exporting (`<host>:<pid>:<random>`).'),
        expiresAt: isoTime,
        active: z.boolean().describe('The lease has not expired.'),
      })
      .nullable(),
    cursor: StoredSiemCursor.nullable().describe(
      'How far the export got: `{seq, through, from, until: null, after: null}`, a position in the event feed (ingest order); `{from, until, after}` (event time) only until a sink of this version first runs on a state written by an older one; null until the sink first runs.',
    ),
    lagMs: z
      .number()
      .nullable()
      .describe(
        'How long since the sink was last caught up, plus the settle margin on PostgreSQL (time since `cursor.from`); null before the first run.',
      ),
    backlog: z
      .number()
      .int()
      .min(0)
      .nullable()
      .describe(
        `Events stored and not yet delivered (counted up to ${SIEM_BACKLOG_CAP}); null before the first run of this version.`,
      ),
    stats: SiemStats,
    lastError: SiemFailure.nullable(),
    failures: z.number().int().min(0).describe('Rounds in a row that ended on a failed delivery.'),
  }),
});
export type SiemView = z.infer<typeof SiemView>;

// ---------------------------------------------------------------------------------------------------
// OpenAPI

export const OpenApiDocument = z
  .looseObject({
    openapi: z.string(),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.unknown()),
  })
  .describe('An OpenAPI 3.1 document of this admin API.');
export type OpenApiDocument = z.infer<typeof OpenApiDocument>;
