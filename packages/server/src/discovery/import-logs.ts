/**
 * One discovery import: read log files or texts in one format, match every request against the catalog,
 * and summarize. Shared by `parapet discover` and `POST /discovery/import`; storing is the caller's
 * choice (store/discovery-store.ts).
 */
import { createDiscoveryAggregator, type DiscoveryTally } from './aggregate.ts';
import type { AiService, ServiceCatalog, ServiceRisk } from './catalog.ts';
import type { LogFormatName } from './parsers/index.ts';
import { type FileReadStats, readLogChunks, readLogFile } from './read-log.ts';
import { createServiceMatcher } from './service-matcher.ts';

/** A log to read: a file on disk (plain or gzip), or text already in memory (an upload). */
export type LogSource =
  | { kind: 'file'; path: string }
  | { kind: 'text'; name: string; text: string }
  | { kind: 'stream'; name: string; chunks: AsyncIterable<Buffer | string> };

export interface ImportOptions {
  format: LogFormatName;
  catalog: ServiceCatalog;
  /** Progress: bytes read of the current source and its index. */
  onBytes?(bytes: number, sourceIndex: number): void;
  signal?: AbortSignal;
}

export interface ImportResult {
  format: LogFormatName;
  files: FileReadStats[];
  lines: number;
  malformed: number;
  tally: DiscoveryTally;
}

export async function importLogs(
  sources: readonly LogSource[],
  options: ImportOptions,
): Promise<ImportResult> {
  const aggregator = createDiscoveryAggregator({ matcher: createServiceMatcher(options.catalog.services) });
  const files: FileReadStats[] = [];
  for (const [index, source] of sources.entries()) {
    const read = {
      format: options.format,
      onRecord: aggregator.add,
      ...(options.onBytes === undefined ? {} : { onBytes: (b: number) => options.onBytes!(b, index) }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
    if (source.kind === 'file') files.push(await readLogFile(source.path, read));
    else if (source.kind === 'text') files.push(await readLogChunks(source.name, [source.text], read));
    else files.push(await readLogChunks(source.name, source.chunks, read));
  }
  return {
    format: options.format,
    files,
    lines: files.reduce((n, f) => n + f.lines, 0),
    malformed: files.reduce((n, f) => n + f.malformed, 0),
    tally: aggregator.tally(),
  };
}

/** What an import found for one service (the CLI table, the import answer). */
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
  /** `yes`/`no`/`unknown` for trains_on_user_data_by_default, for a glance. */
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

export interface ImportSummary {
  services: ImportedService[];
  candidates: ImportedCandidate[];
}

/** A one-word view of the training attribute. */
export function trainsFlag(risk: ServiceRisk): 'yes' | 'no' | 'unknown' {
  const attr = risk.trains_on_user_data_by_default;
  return attr === 'unknown' ? 'unknown' : attr.value ? 'yes' : 'no';
}

/** Per-service and per-candidate totals of an import, most requests first. */
export function summarizeImport(result: ImportResult, catalog: ServiceCatalog): ImportSummary {
  const services = new Map<string, ImportedService & { userSet: Set<string> }>();
  for (const cell of result.tally.usage) {
    const service = catalog.get(cell.serviceId) as AiService;
    let row = services.get(cell.serviceId);
    if (row === undefined) {
      row = {
        id: service.id,
        name: service.name,
        vendor: service.vendor,
        category: service.category,
        users: 0,
        requests: 0,
        bytesUp: 0,
        bytesDown: 0,
        firstSeen: null,
        lastSeen: null,
        trainsOnUserData: trainsFlag(service.risk),
        userSet: new Set(),
      };
      services.set(cell.serviceId, row);
    }
    row.userSet.add(cell.user);
    row.requests += cell.requests;
    row.bytesUp += cell.bytesUp;
    row.bytesDown += cell.bytesDown;
    row.firstSeen = minTime(row.firstSeen, cell.firstSeen);
    row.lastSeen = maxTime(row.lastSeen, cell.lastSeen);
  }
  const candidates = new Map<string, ImportedCandidate & { userSet: Set<string> }>();
  for (const cell of result.tally.candidates) {
    let row = candidates.get(cell.host);
    if (row === undefined) {
      row = {
        host: cell.host,
        reason: cell.reason,
        users: 0,
        requests: 0,
        bytesUp: 0,
        bytesDown: 0,
        userSet: new Set(),
      };
      candidates.set(cell.host, row);
    }
    row.userSet.add(cell.user);
    row.requests += cell.requests;
    row.bytesUp += cell.bytesUp;
    row.bytesDown += cell.bytesDown;
  }
  const byRequests = (a: { requests: number; key: string }, b: { requests: number; key: string }) =>
    b.requests - a.requests || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  return {
    services: [...services.values()]
      .map(({ userSet, ...row }) => ({ ...row, users: userSet.size }))
      .sort((a, b) => byRequests({ requests: a.requests, key: a.id }, { requests: b.requests, key: b.id })),
    candidates: [...candidates.values()]
      .map(({ userSet, ...row }) => ({ ...row, users: userSet.size }))
      .sort((a, b) =>
        byRequests({ requests: a.requests, key: a.host }, { requests: b.requests, key: b.host }),
      ),
  };
}

function minTime(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

function maxTime(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}
