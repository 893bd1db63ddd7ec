/**
 * `parapet discover --format FORMAT FILE…`: find AI services used outside the gateway in web-proxy and
 * firewall logs. Files are streamed (gzip detected), matched against the shipped catalog, summarized,
 * and stored (unless `--no-store`) so the admin API's discovery routes show them. See docs/discovery.md.
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { type ServiceCatalog, shippedServiceCatalog } from '../../discovery/catalog.ts';
import {
  type ImportResult,
  type ImportSummary,
  importLogs,
  type LogSource,
  summarizeImport,
} from '../../discovery/import-logs.ts';
import { LOG_FORMATS, LogFormatError, type LogFormatName } from '../../discovery/parsers/types.ts';
import { logFileSize } from '../../discovery/read-log.ts';
import type { DiscoveryRunRecord } from '../../store/discovery-store.ts';
import { type CliIo, type CliWriter, defineCommand, EXIT } from '../command.ts';
import { UsageError } from '../options.ts';
import { CONFIG_OPTIONS, loadCommandConfig } from '../shared-options.ts';

/** Files at least this large get a progress bar (when stderr is a terminal). */
export const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

const COMMAND = 'discover';

export const discoverCommand = defineCommand({
  name: COMMAND,
  summary: 'Find AI services used outside the gateway in web-proxy logs (shadow AI)',
  description:
    'Read web-proxy or firewall logs (plain or gzip; `-` reads standard input), match every request against the catalog of AI services, and print who uses which service, how much, and the hosts that look like AI but are not in the catalog. Results are stored so the admin API (and the dashboard) show them; `--no-store` only prints. Malformed lines are counted and reported, never fatal.',
  options: [
    {
      name: 'format',
      short: 'f',
      type: 'string',
      required: true,
      valueName: LOG_FORMATS.join('|'),
      description: 'Log format of every file',
    },
    ...CONFIG_OPTIONS,
    {
      name: 'store',
      type: 'boolean',
      default: true,
      description: 'Store the results (`--no-store`: only print)',
    },
    { name: 'json', type: 'boolean', description: 'Print one JSON object instead of tables' },
    { name: 'quiet', short: 'q', type: 'boolean', description: 'No progress bar and no notes on stderr' },
    { name: 'top', type: 'number', default: 25, valueName: 'n', description: 'Rows of each table' },
  ],
  positionals: [
    { name: 'file', description: 'Log files (`-` for standard input)', required: true, variadic: true },
  ],
  examples: [
    'parapet discover --format squid /var/log/squid/access.log /var/log/squid/access.log.1.gz',
    'parapet discover --format zscaler --no-store --json nss-web.log',
    'zcat proxy.csv.gz | parapet discover --format csv -',
  ],
  async run({ options, positionals, io }) {
    const format = options.format as LogFormatName;
    if (!(LOG_FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(
        `option \`--format\` must be one of ${LOG_FORMATS.map((f) => `\`${f}\``).join(', ')}, not \`${options.format}\``,
        COMMAND,
      );
    }
    const top = options.top;
    if (!Number.isInteger(top) || top < 1 || top > 10_000) {
      throw new UsageError(
        `option \`--top\` must be a whole number from 1 to 10000, not \`${top}\``,
        COMMAND,
      );
    }
    if (positionals.filter((p) => p === '-').length > 1) {
      throw new UsageError('standard input (`-`) can be read only once', COMMAND);
    }
    // Load the configuration first: a bad config or database fails before minutes of reading.
    const config = options.store ? loadCommandConfig(options, io) : null;
    const catalog = shippedServiceCatalog();
    const now = () => io.now?.() ?? new Date();
    const sources: LogSource[] = [];
    const sizes: number[] = [];
    for (const file of positionals) {
      if (file === '-') {
        if (io.stdin === undefined) throw new Error('standard input is not available');
        sources.push({ kind: 'stream', name: '-', chunks: io.stdin });
        sizes.push(0);
      } else {
        sizes.push(await logFileSize(file));
        sources.push({ kind: 'file', path: file });
      }
    }

    const startedAt = now().toISOString();
    const progress = options.quiet ? null : progressBar(io.stderr, positionals, sizes);
    let result: ImportResult;
    try {
      result = await importLogs(sources, {
        format,
        catalog,
        ...(progress === null ? {} : { onBytes: progress.update }),
        ...(io.signal === undefined ? {} : { signal: io.signal }),
      });
    } catch (err) {
      if (err instanceof LogFormatError)
        throw new Error(`cannot read the log as \`${format}\`: ${err.message}`);
      throw err;
    } finally {
      progress?.done();
    }
    const finishedAt = now().toISOString();

    if (result.tally.records === 0 && result.malformed > 0) {
      reportMalformed(io.stderr, result);
      io.stderr.write(
        `parapet: no line could be read as \`${format}\` (${result.malformed} malformed); check \`--format\`\n`,
      );
      return EXIT.FAILURE;
    }

    const summary = summarizeImport(result, catalog);
    let run: DiscoveryRunRecord | null = null;
    if (config !== null) {
      const { openStore } = await import('../../store/index.ts');
      const { createDiscoveryStore } = await import('../../store/discovery-store.ts');
      const store = await openStore({ url: config.database.url, dataDir: config.data_dir });
      try {
        run = await createDiscoveryStore(store.sql).recordImport(
          {
            id: `drun_${randomUUID()}`,
            startedAt,
            finishedAt,
            source: 'cli',
            actor: io.env['USER'] ?? io.env['USERNAME'] ?? 'cli',
            format,
            files: positionals.map((p) => (p === '-' ? '-' : basename(p))),
            lines: result.lines,
            records: result.tally.records,
            malformed: result.malformed,
            matched: result.tally.matched,
            candidateRecords: result.tally.candidateRecords,
          },
          result.tally.usage,
          result.tally.candidates,
        );
      } finally {
        await store.close();
      }
    }

    if (options.json) {
      io.stdout.write(`${JSON.stringify(jsonAnswer(result, summary, run))}\n`);
    } else {
      io.stdout.write(summaryText(result, summary, catalog, top));
    }
    if (!options.quiet) {
      reportMalformed(io.stderr, result);
      if (result.tally.candidateRecordsDropped > 0) {
        io.stderr.write(
          `note: ${result.tally.candidateRecordsDropped} requests to further candidate hosts were not kept (limit of distinct candidate hosts reached)\n`,
        );
      }
      io.stderr.write(
        run === null
          ? 'not stored (--no-store)\n'
          : `stored as run ${run.id}; see \`GET /admin/api/v1/discovery/services\`\n`,
      );
    }
    return EXIT.OK;
  },
});

/** The `--json` answer: the run (null with `--no-store`), per-file counts, services and candidates. */
export function jsonAnswer(result: ImportResult, summary: ImportSummary, run: DiscoveryRunRecord | null) {
  return {
    run,
    format: result.format,
    lines: result.lines,
    records: result.tally.records,
    malformed: result.malformed,
    matched: result.tally.matched,
    files: result.files,
    services: summary.services,
    candidates: summary.candidates,
  };
}

function summaryText(
  result: ImportResult,
  summary: ImportSummary,
  catalog: ServiceCatalog,
  top: number,
): string {
  const out: string[] = [];
  out.push(
    `${result.lines} lines, ${result.tally.records} requests, ${result.malformed} malformed; ` +
      `${result.tally.matched} requests to ${summary.services.length} AI services, ` +
      `${summary.candidates.length} candidate hosts (catalog of ${catalog.services.length} services, ${catalog.updated})`,
    '',
  );
  if (summary.services.length === 0) out.push('No AI service of the catalog in these logs.', '');
  else {
    out.push('AI services');
    out.push(
      table(
        ['SERVICE', 'VENDOR', 'CATEGORY', 'USERS', 'REQUESTS', 'UP', 'DOWN', 'TRAINS ON DATA', 'LAST SEEN'],
        summary.services
          .slice(0, top)
          .map((s) => [
            `${s.name} (${s.id})`,
            s.vendor,
            s.category,
            String(s.users),
            String(s.requests),
            bytes(s.bytesUp),
            bytes(s.bytesDown),
            s.trainsOnUserData,
            s.lastSeen ?? '-',
          ]),
      ),
    );
    if (summary.services.length > top) out.push(`… and ${summary.services.length - top} more (--top)`, '');
  }
  if (summary.candidates.length > 0) {
    out.push('Candidates (AI-looking hosts not in the catalog)');
    out.push(
      table(
        ['HOST', 'USERS', 'REQUESTS', 'UP', 'WHY'],
        summary.candidates
          .slice(0, top)
          .map((c) => [c.host, String(c.users), String(c.requests), bytes(c.bytesUp), c.reason]),
      ),
    );
    if (summary.candidates.length > top)
      out.push(`… and ${summary.candidates.length - top} more (--top)`, '');
  }
  return `${out.join('\n')}`;
}

function reportMalformed(stderr: CliWriter, result: ImportResult): void {
  for (const file of result.files) {
    if (file.malformed === 0) continue;
    const samples = file.malformedSamples.map((s) => `line ${s.line}: ${s.reason}`).join('; ');
    stderr.write(
      `${file.name}: ${file.malformed} malformed line${file.malformed === 1 ? '' : 's'} skipped (${samples})\n`,
    );
  }
}

/** `1536` → `1.5 KB`. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

/**
 * A progress bar on stderr, only when stderr is a terminal and some file is large; redrawn at most ten
 * times a second and erased when done.
 */
function progressBar(
  stderr: CliIo['stderr'],
  names: readonly string[],
  sizes: readonly number[],
): { update(bytes: number, index: number): void; done(): void } | null {
  const tty = (stderr as { isTTY?: boolean }).isTTY === true;
  if (!tty || !sizes.some((s) => s >= PROGRESS_MIN_BYTES)) return null;
  const total = sizes.reduce((a, b) => a + b, 0);
  const before = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  let last = 0;
  let drawn = false;
  return {
    update(read, index) {
      const t = Date.now();
      if (t - last < 100) return;
      last = t;
      const done = Math.min(total, (before[index] ?? 0) + read);
      const ratio = total === 0 ? 0 : done / total;
      const width = 30;
      const filled = Math.round(ratio * width);
      const name = basename(names[index] ?? '');
      stderr.write(
        `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${bytes(done)} / ${bytes(total)} ${name.slice(0, 30)}\u001b[K`,
      );
      drawn = true;
    },
    done() {
      if (drawn) stderr.write('\r\u001b[K');
    },
  };
}
