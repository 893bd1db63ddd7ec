/**
 * Zscaler NSS web-log feed in the field order of Zscaler's documented default output (comma-separated,
 * each field in double quotes; tab-separated feeds, which Zscaler recommends, work too):
 *
 *     "Mon Jun 20 15:29:11 2022","jdoe@example.com","HTTPS","chatgpt.com/backend-api/conversation",
 *     "Allowed","ChatGPT","General AI","48213","5120",…,"10.1.2.3",…
 *
 * Columns read: 1 `%s{time}` (no zone: configure the feed in GMT), 2 `%s{login}`, 4 `%s{eurl}` (URL
 * without scheme), 8 `%d{reqsize}` (bytes up), 9 `%d{respsize}` (bytes down), 22 `%s{cip}` when present.
 */
import { hostOf } from '../host.ts';
import { splitDelimited } from './fields.ts';
import { clip } from './squid.ts';
import { parseCtime, parseIsoLike } from './time.ts';
import { byteCount, type LineParser, type LogFormat, malformed, present } from './types.ts';

const TIME = 0;
const LOGIN = 1;
const URL = 3;
const REQ_SIZE = 7;
const RESP_SIZE = 8;
const CLIENT_IP = 21;

export const zscalerFormat: LogFormat = {
  name: 'zscaler',
  description: 'Zscaler NSS web-log feed, default field order (quoted CSV or tab-separated)',
  createParser(): LineParser {
    return {
      parse(line) {
        if (line.trim() === '') return { kind: 'skip' };
        const f = line.includes('\t') ? line.split('\t').map(unquote) : splitDelimited(line.trim(), ',');
        if (f === null) return malformed('a quoted value is not closed');
        if (f.length <= RESP_SIZE)
          return malformed(`expected at least ${RESP_SIZE + 1} fields, found ${f.length}`);
        const timeText = f[TIME]!.trim();
        const time = parseCtime(timeText) ?? parseIsoLike(timeText);
        if (time === null)
          return malformed(`the time \`${clip(timeText)}\` is not \`Mon Jun 20 15:29:11 2022\``);
        const host = hostOf(f[URL]!);
        if (host === null) return malformed(`no host in the URL \`${clip(f[URL]!)}\``);
        const up = byteCount(f[REQ_SIZE]);
        const down = byteCount(f[RESP_SIZE]);
        if (up === null || down === null) return malformed('the request or response size is not a number');
        return {
          kind: 'record',
          record: {
            time,
            user: present(f[LOGIN]),
            client: present(f[CLIENT_IP]),
            host,
            bytesUp: up,
            bytesDown: down,
          },
        };
      },
    };
  },
};

function unquote(field: string): string {
  const t = field.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replaceAll('""', '"') : t;
}
