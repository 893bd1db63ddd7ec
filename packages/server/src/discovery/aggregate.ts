/**
 * Folding log records into what discovery stores: usage per user × catalog service × host, and hosts
 * that look like AI but are not in the catalog (candidates) per host × user. Memory is bounded by the
 * number of distinct keys, not the number of lines.
 */
import { aiHostReason } from './candidates.ts';
import type { AiService } from './catalog.ts';
import type { LogRecord } from './parsers/index.ts';
import type { ServiceMatcher } from './service-matcher.ts';

/** Who a request is attributed to when the log has neither a user nor a client address. */
export const UNKNOWN_USER = '(unknown)';

/** Most distinct candidate hosts kept per run; further ones are only counted. */
export const MAX_CANDIDATE_HOSTS = 10_000;

/** Distinct hosts whose classification is remembered. */
const HOST_CACHE_SIZE = 200_000;

export interface UsageCell {
  user: string;
  serviceId: string;
  host: string;
  requests: number;
  bytesUp: number;
  bytesDown: number;
  /** ISO times; null when no line of this cell carried a time. */
  firstSeen: string | null;
  lastSeen: string | null;
}

export interface CandidateCell {
  host: string;
  user: string;
  reason: string;
  requests: number;
  bytesUp: number;
  bytesDown: number;
  firstSeen: string | null;
  lastSeen: string | null;
}

export interface DiscoveryTally {
  /** Records read. */
  records: number;
  /** Records whose host is a catalog service. */
  matched: number;
  /** Records whose host is a candidate. */
  candidateRecords: number;
  /** Records of candidate hosts past MAX_CANDIDATE_HOSTS, not kept. */
  candidateRecordsDropped: number;
  usage: UsageCell[];
  candidates: CandidateCell[];
}

export interface DiscoveryAggregator {
  add(record: LogRecord): void;
  tally(): DiscoveryTally;
}

/** The identity a record is attributed to: the user, else the client address, else UNKNOWN_USER. */
export function recordIdentity(record: LogRecord): string {
  return record.user ?? record.client ?? UNKNOWN_USER;
}

export function createDiscoveryAggregator(options: { matcher: ServiceMatcher }): DiscoveryAggregator {
  const usage = new Map<string, UsageCell>();
  const candidates = new Map<string, CandidateCell>();
  const keptCandidateHosts = new Set<string>();
  // Hosts already classified: most logs repeat a few thousand hosts millions of times.
  const classified = new Map<string, { service: AiService | null; reason: string | null }>();
  let records = 0;
  let matched = 0;
  let candidateRecords = 0;
  let dropped = 0;

  const classify = (host: string) => {
    let info = classified.get(host);
    if (info === undefined) {
      const service = options.matcher.match(host);
      info = { service, reason: service === null ? aiHostReason(host) : null };
      if (classified.size < HOST_CACHE_SIZE) classified.set(host, info);
    }
    return info;
  };

  return {
    add(record) {
      records++;
      const { service, reason } = classify(record.host);
      const user = recordIdentity(record);
      if (service !== null) {
        matched++;
        const key = `${user}\u0000${service.id}\u0000${record.host}`;
        let cell = usage.get(key);
        if (cell === undefined) {
          cell = { user, serviceId: service.id, host: record.host, ...empty() };
          usage.set(key, cell);
        }
        count(cell, record);
        return;
      }
      if (reason === null) return;
      if (!keptCandidateHosts.has(record.host)) {
        if (keptCandidateHosts.size >= MAX_CANDIDATE_HOSTS) {
          dropped++;
          return;
        }
        keptCandidateHosts.add(record.host);
      }
      candidateRecords++;
      const key = `${record.host}\u0000${user}`;
      let cell = candidates.get(key);
      if (cell === undefined) {
        cell = { host: record.host, user, reason, ...empty() };
        candidates.set(key, cell);
      }
      count(cell, record);
    },
    tally() {
      return {
        records,
        matched,
        candidateRecords,
        candidateRecordsDropped: dropped,
        usage: [...usage.values()],
        candidates: [...candidates.values()],
      };
    },
  };
}

function empty() {
  return { requests: 0, bytesUp: 0, bytesDown: 0, firstSeen: null, lastSeen: null };
}

function count(
  cell: {
    requests: number;
    bytesUp: number;
    bytesDown: number;
    firstSeen: string | null;
    lastSeen: string | null;
  },
  record: LogRecord,
): void {
  cell.requests++;
  cell.bytesUp += record.bytesUp;
  cell.bytesDown += record.bytesDown;
  if (record.time !== null) {
    if (cell.firstSeen === null || record.time < cell.firstSeen) cell.firstSeen = record.time;
    if (cell.lastSeen === null || record.time > cell.lastSeen) cell.lastSeen = record.time;
  }
}
