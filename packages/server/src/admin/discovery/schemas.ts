/**
 * Request and answer schemas of the discovery part of the admin API (`/discovery/…`), one zod schema and
 * type under one name each, for validation, the dashboard and OpenAPI.
 */
import { z } from 'zod';
import { SERVICE_CATEGORIES, ServiceRisk } from '../../discovery/catalog.ts';
import { LOG_FORMATS } from '../../discovery/parsers/types.ts';
import { SERVICE_STATUSES } from '../../store/discovery-store.ts';
import { MAX_QUERY_LIMIT } from '../../store/store-rows.ts';

const isoTime = z.string().describe('ISO-8601 time (UTC, milliseconds).');
const count = z.number().int().min(0);

const LimitParam = z
  .string()
  .regex(/^[0-9]{1,6}$/, { message: `must be a whole number from 1 to ${MAX_QUERY_LIMIT}` })
  .transform(Number)
  .pipe(z.number().int().min(1).max(MAX_QUERY_LIMIT));

// ---------------------------------------------------------------------------------------------------
// Requests

export const DiscoveryServicePath = z.strictObject({
  id: z.string().min(1).max(100).describe('A catalog service id, e.g. `chatgpt`.'),
});
export type DiscoveryServicePath = z.infer<typeof DiscoveryServicePath>;

export const ListDiscoveredServicesQuery = z.strictObject({
  scope: z
    .enum(['seen', 'all'])
    .default('seen')
    .describe('`seen`: services found in imported logs or given a status; `all`: the whole catalog.'),
  category: z.enum(SERVICE_CATEGORIES).optional(),
  status: z.enum(SERVICE_STATUSES).optional(),
});
export type ListDiscoveredServicesQuery = z.infer<typeof ListDiscoveredServicesQuery>;

export const DiscoveryLimitQuery = z.strictObject({ limit: LimitParam.optional() });
export type DiscoveryLimitQuery = z.infer<typeof DiscoveryLimitQuery>;

export const SetServiceStatusRequest = z.strictObject({
  status: z
    .enum(SERVICE_STATUSES)
    .describe(
      '`blocked` also adds the service id to the run-time `global.blocked_apps`; leaving it removes it.',
    ),
  note: z.string().trim().max(2000).optional().describe('Why (shown with the status).'),
});
export type SetServiceStatusRequest = z.infer<typeof SetServiceStatusRequest>;

export const DiscoveryImportQuery = z.strictObject({
  format: z.enum(LOG_FORMATS).describe('The log format of `content`.'),
});
export type DiscoveryImportQuery = z.infer<typeof DiscoveryImportQuery>;

export const DiscoveryImportRequest = z.strictObject({
  content: z
    .string()
    .min(1, { message: 'must not be empty; send the log lines as text' })
    .describe(
      'The log text (lines in the `format` of the query). The admin body limit bounds it; larger logs: `parapet discover`.',
    ),
  name: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe('A name for the upload, recorded with the run.'),
  store: z.boolean().default(true).describe('Store the results (default); false only answers them.'),
});
export type DiscoveryImportRequest = z.infer<typeof DiscoveryImportRequest>;

export const BLOCKLIST_STYLES = ['plain', 'squid'] as const;

export const DiscoveryBlocklistQuery = z.strictObject({
  style: z
    .enum(BLOCKLIST_STYLES)
    .default('plain')
    .describe(
      '`plain`: the catalog patterns (`host`, `*.domain`); `squid`: `dstdomain` entries (`.domain` covers the domain and its subdomains).',
    ),
});
export type DiscoveryBlocklistQuery = z.infer<typeof DiscoveryBlocklistQuery>;

// ---------------------------------------------------------------------------------------------------
// Answers

export const DiscoveryServiceStatus = z.object({
  status: z.enum(SERVICE_STATUSES),
  note: z.string().nullable(),
  updatedBy: z.string().nullable().describe('Null while the service was never reviewed.'),
  updatedAt: isoTime.nullable(),
});
export type DiscoveryServiceStatus = z.infer<typeof DiscoveryServiceStatus>;

export const DiscoveryServiceUsage = z.object({
  users: count.describe('Distinct users (or client addresses when the log has no user).'),
  requests: count,
  bytesUp: count.describe('Bytes sent to the service (uploads, prompts, files).'),
  bytesDown: count,
  firstSeen: isoTime,
  lastSeen: isoTime,
  hosts: count.describe('Distinct hosts of the service seen.'),
});
export type DiscoveryServiceUsage = z.infer<typeof DiscoveryServiceUsage>;

export const DiscoveredService = z.object({
  id: z.string(),
  name: z.string(),
  vendor: z.string(),
  category: z.enum(SERVICE_CATEGORIES),
  domains: z.array(z.string()).describe('Catalog patterns: `host` or `*.domain`.'),
  risk: ServiceRisk.describe('Each attribute is `"unknown"` or `{value, source, note?}`; never guessed.'),
  status: DiscoveryServiceStatus,
  usage: DiscoveryServiceUsage.nullable().describe('Null when no imported log showed the service.'),
});
export type DiscoveredService = z.infer<typeof DiscoveredService>;

export const DiscoveredServiceList = z.object({
  catalogUpdated: z.string().describe('When the shipped catalog was last reviewed (YYYY-MM-DD).'),
  services: z.array(DiscoveredService).describe('Most requests first, then by name.'),
});
export type DiscoveredServiceList = z.infer<typeof DiscoveredServiceList>;

export const DiscoveryServiceUser = z.object({
  user: z.string().describe('The log user, else the client address, else `(unknown)`.'),
  requests: count,
  bytesUp: count,
  bytesDown: count,
  firstSeen: isoTime,
  lastSeen: isoTime,
  hosts: z.array(z.string()),
});
export type DiscoveryServiceUser = z.infer<typeof DiscoveryServiceUser>;

export const DiscoveryServiceUserList = z.object({
  service: z.object({ id: z.string(), name: z.string() }),
  users: z.array(DiscoveryServiceUser).describe('Most requests first.'),
});
export type DiscoveryServiceUserList = z.infer<typeof DiscoveryServiceUserList>;

export const DiscoveryCandidate = z.object({
  host: z.string(),
  reason: z.string().describe('Why the host looks like an AI service (`the .ai top-level domain`, …).'),
  users: count,
  requests: count,
  bytesUp: count,
  bytesDown: count,
  firstSeen: isoTime,
  lastSeen: isoTime,
});
export type DiscoveryCandidate = z.infer<typeof DiscoveryCandidate>;

export const DiscoveryCandidateList = z.object({
  candidates: z.array(DiscoveryCandidate).describe('Hosts not in the catalog, most requests first.'),
});
export type DiscoveryCandidateList = z.infer<typeof DiscoveryCandidateList>;

export const DiscoveryRun = z.object({
  id: z.string(),
  startedAt: isoTime,
  finishedAt: isoTime,
  source: z.enum(['cli', 'api']),
  actor: z.string(),
  format: z.enum(LOG_FORMATS),
  files: z.array(z.string()),
  lines: count,
  records: count,
  malformed: count,
  matched: count.describe('Records of catalog services.'),
  candidateRecords: count,
  services: count,
  users: count,
});
export type DiscoveryRun = z.infer<typeof DiscoveryRun>;

export const DiscoveryRunList = z.object({ runs: z.array(DiscoveryRun).describe('Newest first.') });
export type DiscoveryRunList = z.infer<typeof DiscoveryRunList>;

export const DiscoveryServiceStatusChanged = z.object({
  service: DiscoveredService,
  previousStatus: z.enum(SERVICE_STATUSES),
  blockedApps: z
    .array(z.string())
    .describe(
      'The run-time `global.blocked_apps` after the change (requests through the gateway from these apps are blocked).',
    ),
  policyUpdated: z.boolean().describe('Whether `global.blocked_apps` changed.'),
});
export type DiscoveryServiceStatusChanged = z.infer<typeof DiscoveryServiceStatusChanged>;

export const DiscoveryFileStats = z.object({
  name: z.string(),
  lines: count,
  records: count,
  skipped: count.describe('Blank, comment and header lines.'),
  malformed: count,
  malformedSamples: z
    .array(z.object({ line: z.number().int().min(1), reason: z.string() }))
    .describe('The first malformed lines: number and why.'),
});
export type DiscoveryFileStats = z.infer<typeof DiscoveryFileStats>;

export const DiscoveryImportedService = z.object({
  id: z.string(),
  name: z.string(),
  vendor: z.string(),
  category: z.string(),
  users: count,
  requests: count,
  bytesUp: count,
  bytesDown: count,
  firstSeen: isoTime.nullable(),
  lastSeen: isoTime.nullable(),
  trainsOnUserData: z.enum(['yes', 'no', 'unknown']),
});

export const DiscoveryImportedCandidate = z.object({
  host: z.string(),
  reason: z.string(),
  users: count,
  requests: count,
  bytesUp: count,
  bytesDown: count,
});

export const DiscoveryImportResult = z.object({
  run: DiscoveryRun.nullable().describe('The stored run; null with `store: false`.'),
  files: z.array(DiscoveryFileStats),
  services: z
    .array(DiscoveryImportedService)
    .describe('Catalog services in this upload, most requests first.'),
  candidates: z
    .array(DiscoveryImportedCandidate)
    .describe('AI-looking hosts outside the catalog in this upload.'),
});
export type DiscoveryImportResult = z.infer<typeof DiscoveryImportResult>;

/** `GET /discovery/blocklist` answers text/plain: one domain pattern per line. */
export const DiscoveryBlocklist = z
  .string()
  .meta({ contentType: 'text/plain' })
  .describe('text/plain: one domain pattern per line, for proxies and DNS filters.');
