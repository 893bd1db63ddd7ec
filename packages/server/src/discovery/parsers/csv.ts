/**
 * Generic CSV with a header line, for any proxy or firewall export: columns are found by name (case and
 * `-`/blank/`_` do not matter). Delimiter: `,`, or tab or `;` when the header uses that instead.
 *
 * | field      | column names accepted                                                          |
 * |------------|--------------------------------------------------------------------------------|
 * | host       | host, hostname, domain, dhost, dest_host, destination_host, server, cs_host, site |
 * | url        | url, uri, request, request_url, eurl, cs_uri, dest_url, destination_url        |
 * | user       | user, username, user_name, login, suser, userid, user_id, email, cs_username, account |
 * | bytes_out  | bytes_out, bytes_up, bytes_sent, sent_bytes, bytes_uploaded, upload_bytes, request_bytes, reqsize, cs_bytes |
 * | bytes_in   | bytes_in, bytes_down, bytes_received, received_bytes, bytes_downloaded, download_bytes, response_bytes, respsize, sc_bytes |
 * | time       | time, timestamp, datetime, date_time, ts, event_time, @timestamp, _time         |
 * | client     | client_ip, client, src, src_ip, source_ip, c_ip, ip                            |
 *
 * `bytes_out` is what the user sent (upload), `bytes_in` what came back. A host or URL column is
 * required (LogFormatError otherwise); the others are optional.
 */
import { hostOf } from '../host.ts';
import { splitDelimited } from './fields.ts';
import { clip } from './squid.ts';
import { parseAnyTime } from './time.ts';
import { byteCount, type LineParser, type LogFormat, LogFormatError, malformed, present } from './types.ts';

export const CSV_COLUMNS = {
  host: ['host', 'hostname', 'domain', 'dhost', 'dest_host', 'destination_host', 'server', 'cs_host', 'site'],
  url: ['url', 'uri', 'request', 'request_url', 'eurl', 'cs_uri', 'dest_url', 'destination_url'],
  user: [
    'user',
    'username',
    'user_name',
    'login',
    'suser',
    'userid',
    'user_id',
    'email',
    'cs_username',
    'account',
  ],
  bytesOut: [
    'bytes_out',
    'bytes_up',
    'bytes_sent',
    'sent_bytes',
    'bytes_uploaded',
    'upload_bytes',
    'request_bytes',
    'reqsize',
    'cs_bytes',
  ],
  bytesIn: [
    'bytes_in',
    'bytes_down',
    'bytes_received',
    'received_bytes',
    'bytes_downloaded',
    'download_bytes',
    'response_bytes',
    'respsize',
    'sc_bytes',
  ],
  time: ['time', 'timestamp', 'datetime', 'date_time', 'ts', 'event_time', '@timestamp', '_time'],
  client: ['client_ip', 'client', 'src', 'src_ip', 'source_ip', 'c_ip', 'ip'],
} as const;

type Field = keyof typeof CSV_COLUMNS;

/** `Bytes-Out`, `bytes out`, `BYTES_OUT` → `bytes_out`. */
function normalizeName(name: string): string {
  let out = '';
  for (const char of name.trim().toLowerCase()) out += char === '-' || char === ' ' ? '_' : char;
  return out;
}

function detectDelimiter(header: string): string {
  if (header.includes(',')) return ',';
  if (header.includes('\t')) return '\t';
  if (header.includes(';')) return ';';
  return ',';
}

export const csvFormat: LogFormat = {
  name: 'csv',
  description:
    'CSV with a header line; columns mapped by name (host or url, user, bytes_out, bytes_in, time)',
  createParser(): LineParser {
    let delimiter = ',';
    let count = 0;
    let index: Record<Field, number> | null = null;
    return {
      parse(line) {
        if (line.trim() === '') return { kind: 'skip' };
        if (index === null) {
          const header = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
          delimiter = detectDelimiter(header);
          const names = splitDelimited(header.trim(), delimiter);
          if (names === null) throw new LogFormatError('the CSV header has a quote that is not closed');
          const normalized = names.map(normalizeName);
          const found = {} as Record<Field, number>;
          for (const field of Object.keys(CSV_COLUMNS) as Field[]) {
            found[field] = normalized.findIndex((n) => (CSV_COLUMNS[field] as readonly string[]).includes(n));
          }
          if (found.host < 0 && found.url < 0) {
            throw new LogFormatError(
              `the CSV header \`${clip(header.trim())}\` has no host or URL column; name one \`host\` or \`url\``,
            );
          }
          count = names.length;
          index = found;
          return { kind: 'skip' };
        }
        const f = splitDelimited(line.trim(), delimiter);
        if (f === null) return malformed('a quoted value is not closed');
        if (f.length !== count) return malformed(`${f.length} fields where the header has ${count}`);
        const get = (field: Field) => (index![field] >= 0 ? f[index![field]] : undefined);
        const hostText = present(get('host'));
        const urlText = present(get('url'));
        const host =
          (hostText === null ? null : hostOf(hostText)) ?? (urlText === null ? null : hostOf(urlText));
        if (host === null) return malformed('no destination host (host or url column)');
        const timeText = present(get('time'));
        let time: string | null = null;
        if (timeText !== null) {
          time = parseAnyTime(timeText);
          if (time === null)
            return malformed(`the time \`${clip(timeText)}\` is not an ISO-8601 time or epoch`);
        }
        const up = byteCount(get('bytesOut'));
        const down = byteCount(get('bytesIn'));
        if (up === null || down === null) return malformed('bytes_out or bytes_in is not a whole number');
        return {
          kind: 'record',
          record: {
            time,
            user: present(get('user')),
            client: present(get('client')),
            host,
            bytesUp: up,
            bytesDown: down,
          },
        };
      },
    };
  },
};
