/**
 * Types of the discovery part of the admin API (packages/server/src/admin/discovery/schemas.ts) and the
 * page's pure helpers: the risk rating derived from the catalog's sourced attributes, byte units, format
 * guessing, and the users × services roll-up.
 */

export const SERVICE_STATUSES = ['sanctioned', 'blocked', 'unreviewed'] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

export const LOG_FORMATS = [
  { value: 'squid', label: 'Squid native access.log' },
  { value: 'w3c', label: 'W3C extended (Blue Coat ProxySG, IIS)' },
  { value: 'zscaler', label: 'Zscaler NSS web-log feed' },
  { value: 'cef', label: 'ArcSight CEF' },
  { value: 'csv', label: 'CSV export with a header' },
] as const;
export type LogFormat = (typeof LOG_FORMATS)[number]['value'];

export const BLOCKLIST_STYLES = [
  { value: 'plain', label: 'Plain patterns' },
  { value: 'squid', label: 'Squid dstdomain' },
] as const;
export type BlocklistStyle = (typeof BLOCKLIST_STYLES)[number]['value'];

/** A catalog risk attribute: `"unknown"` or a value with where it was read. */
export type Sourced<T> = 'unknown' | { value: T; source: string; note?: string };

export interface ServiceRisk {
  trains_on_user_data_by_default: Sourced<boolean>;
  enterprise_plan: Sourced<boolean>;
  data_residency: Sourced<string[]>;
  certifications: Sourced<string[]>;
}

export interface ServiceStatusInfo {
  status: ServiceStatus;
  note: string | null;
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface ServiceUsage {
  users: number;
  requests: number;
  bytesUp: number;
  bytesDown: number;
  firstSeen: string;
  lastSeen: string;
  hosts: number;
}

export interface DiscoveredService {
  id: string;
  name: string;
  vendor: string;
  category: string;
  domains: string[];
  risk: ServiceRisk;
  status: ServiceStatusInfo;
  usage: ServiceUsage | null;
}

export interface DiscoveredServiceList {
  catalogUpdated: string;
  services: DiscoveredService[];
}

export interface ServiceUser {
  user: string;
  requests: number;
  bytesUp: number;
  bytesDown: number;
  firstSeen: string;
  lastSeen: string;
  hosts: string[];
}

export interface ServiceUserList {
  service: { id: string; name: string };
  users: ServiceUser[];
}

export interface Candidate {
  host: string;
  reason: string;
  users: number;
  requests: number;
  bytesUp: number;
  bytesDown: number;
  firstSeen: string;
  lastSeen: string;
}

export interface DiscoveryRun {
  id: string;
  startedAt: string;
  finishedAt: string;
  source: 'cli' | 'api';
  actor: string;
  format: LogFormat;
  files: string[];
  lines: number;
  records: number;
  malformed: number;
  matched: number;
  candidateRecords: number;
  services: number;
  users: number;
}

export interface StatusChanged {
  service: DiscoveredService;
  previousStatus: ServiceStatus;
  blockedApps: string[];
  policyUpdated: boolean;
}

export interface ImportFileStats {
  name: string;
  lines: number;
  records: number;
  skipped: number;
  malformed: number;
  malformedSamples: { line: number; reason: string }[];
}

export interface ImportedService {
  id: string;
  name: string;
  vendor: string;
  category: string;
  users: number;
  requests: number;
  bytesUp: number;
  bytesDown: number;
  firstSeen: string | null;
  lastSeen: string | null;
  trainsOnUserData: 'yes' | 'no' | 'unknown';
}

export interface ImportedCandidate {
  host: string;
  reason: string;
  users: number;
  requests: number;
  bytesUp: number;
  bytesDown: number;
}

export interface ImportResult {
  run: DiscoveryRun | null;
  files: ImportFileStats[];
  services: ImportedService[];
  candidates: ImportedCandidate[];
}

/** The admin API's body limit; the upload is JSON (`{content, name, store}`), so its size counts. */
export const MAX_UPLOAD_BYTES = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// Risk

export const RISK_ATTRIBUTES = [
  { key: 'trains_on_user_data_by_default', label: 'Trains on user data by default', short: 'Trains on data' },
  { key: 'enterprise_plan', label: 'Enterprise plan', short: 'Enterprise plan' },
  { key: 'data_residency', label: 'Data residency', short: 'Data residency' },
  { key: 'certifications', label: 'Certifications', short: 'Certifications' },
] as const;
export type RiskKey = (typeof RISK_ATTRIBUTES)[number]['key'];

export type RiskLevel = 'high' | 'medium' | 'low' | 'unknown';

export interface RiskRating {
  level: RiskLevel;
  /** 0 (least risk) to 100; an unknown attribute counts half its weight. */
  score: number;
  /** How many of the four attributes have a sourced value. */
  sourced: number;
}

/**
 * The page's rating, derived only from the catalog's sourced attributes (the API has no score of its own).
 * Weights: trains on user data by default 40, no enterprise plan 20, no data residency offer 16, no
 * certifications 24; an attribute the catalog does not know counts half its weight. Level: `high` when
 * the service trains on what users send by default or the score is 60 or more, `low` under 30, `medium`
 * between, and `unknown` when not one attribute is sourced.
 */
export function rateRisk(risk: ServiceRisk): RiskRating {
  let score = 0;
  let sourced = 0;
  const trains = risk.trains_on_user_data_by_default;
  if (trains === 'unknown') score += 20;
  else {
    sourced++;
    if (trains.value) score += 40;
  }
  const enterprise = risk.enterprise_plan;
  if (enterprise === 'unknown') score += 10;
  else {
    sourced++;
    if (!enterprise.value) score += 20;
  }
  if (risk.data_residency === 'unknown') score += 8;
  else sourced++;
  if (risk.certifications === 'unknown') score += 12;
  else sourced++;
  let level: RiskLevel;
  if (sourced === 0) level = 'unknown';
  else if ((trains !== 'unknown' && trains.value) || score >= 60) level = 'high';
  else if (score < 30) level = 'low';
  else level = 'medium';
  return { level, score, sourced };
}

export const RISK_ORDER: Record<RiskLevel, number> = { high: 3, medium: 2, unknown: 1, low: 0 };

export function riskTone(level: RiskLevel): 'bad' | 'warn' | 'good' | 'neutral' {
  return level === 'high' ? 'bad' : level === 'medium' ? 'warn' : level === 'low' ? 'good' : 'neutral';
}

/** An attribute's value as words: `yes`, `no`, a list of regions or certifications. */
export function attributeValue(attr: Sourced<boolean> | Sourced<string[]>): string {
  if (attr === 'unknown') return 'unknown';
  if (typeof attr.value === 'boolean') return attr.value ? 'yes' : 'no';
  return attr.value.join(', ');
}

/** The URL of a source when it is an http(s) URL (only those become links), else null. */
export function httpUrl(source: string): URL | null {
  try {
    const url = new URL(source.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// Units and roll-ups

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** `12.3 MiB`; exact bytes below 1 KiB. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** Whether a service counts as seen: found in a log or given a status (the API's `scope=seen`). */
export function isSeen(s: DiscoveredService): boolean {
  return s.usage !== null || s.status.updatedAt !== null;
}

/** One user of the proxy logs across every service they used. */
export interface UserRollup {
  user: string;
  services: { id: string; name: string; status: ServiceStatus; requests: number }[];
  requests: number;
  bytesUp: number;
  bytesDown: number;
  firstSeen: string;
  lastSeen: string;
}

export function rollUpUsers(
  lists: readonly { service: DiscoveredService; users: readonly ServiceUser[] }[],
): UserRollup[] {
  const byUser = new Map<string, UserRollup>();
  for (const { service, users } of lists) {
    for (const u of users) {
      let row = byUser.get(u.user);
      if (row === undefined) {
        row = {
          user: u.user,
          services: [],
          requests: 0,
          bytesUp: 0,
          bytesDown: 0,
          firstSeen: u.firstSeen,
          lastSeen: u.lastSeen,
        };
        byUser.set(u.user, row);
      }
      row.services.push({
        id: service.id,
        name: service.name,
        status: service.status.status,
        requests: u.requests,
      });
      row.requests += u.requests;
      row.bytesUp += u.bytesUp;
      row.bytesDown += u.bytesDown;
      if (u.firstSeen < row.firstSeen) row.firstSeen = u.firstSeen;
      if (u.lastSeen > row.lastSeen) row.lastSeen = u.lastSeen;
    }
  }
  for (const row of byUser.values()) row.services.sort((a, b) => b.requests - a.requests);
  return [...byUser.values()].sort((a, b) => b.requests - a.requests || a.user.localeCompare(b.user));
}

/**
 * A guess of a log's format from its name and first lines, to preselect the format (the admin still
 * chooses); null when nothing is clear.
 */
export function guessFormat(name: string, head: string): LogFormat | null {
  const lines = head.split(/\r?\n/).filter((l) => l.trim() !== '');
  const first = lines[0] ?? '';
  if (lines.some((l) => l.startsWith('#Fields:') || l.startsWith('#Software:'))) return 'w3c';
  if (lines.some((l) => l.includes('CEF:'))) return 'cef';
  if (/^\d{9,11}(\.\d+)?\s+\d+\s+\S+\s+\S+\/\d{3}\s/.test(first)) return 'squid';
  if (/^"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} +\d/.test(first)) return 'zscaler';
  if (/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} +\d.*\t/.test(first)) return 'zscaler';
  if (/\.(csv|tsv)$/i.test(name)) return 'csv';
  return null;
}
