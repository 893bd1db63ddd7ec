/**
 * W3C extended log format, as Blue Coat/Symantec ProxySG, IIS and others write it: directives start
 * with `#`, and `#Fields:` names the blank-separated columns of the lines that follow (a file may
 * repeat it). Values holding blanks are double-quoted; `-` is empty.
 *
 *     #Fields: date time time-taken c-ip cs-username cs-host cs-method sc-status sc-bytes cs-bytes
 *     2024-06-20 15:29:11 152 10.1.2.3 alice claude.ai POST 200 5120 48213
 *
 * Host: `cs-host` (or `cs(host)`, `r-host`, `x-cs-host`), else the host of `cs-uri`/`cs-url`/`r-uri`.
 * User: `cs-username` (or `cs-user`, `x-username`). Client: `c-ip`. Bytes up: `cs-bytes` (client to
 * server); down: `sc-bytes`. Time: `date` and `time`, in UTC as the format requires.
 */
import { hostOf } from '../host.ts';
import { splitBlankSeparated } from './fields.ts';
import { clip } from './squid.ts';
import { parseIsoLike } from './time.ts';
import { byteCount, type LineParser, type LogFormat, malformed, present } from './types.ts';

const HOST_FIELDS = ['cs-host', 'cs(host)', 'r-host', 'x-cs-host'];
const URL_FIELDS = ['cs-uri', 'cs-url', 'r-uri', 'cs-uri-address'];
const USER_FIELDS = ['cs-username', 'cs-user', 'x-username', 'cs(username)'];

interface Columns {
  count: number;
  host: number[];
  url: number[];
  user: number[];
  client: number;
  up: number;
  down: number;
  date: number;
  time: number;
}

function columns(names: string[]): Columns {
  const at = (name: string) => names.indexOf(name);
  const all = (list: string[]) => list.map(at).filter((i) => i >= 0);
  return {
    count: names.length,
    host: all(HOST_FIELDS),
    url: all(URL_FIELDS),
    user: all(USER_FIELDS),
    client: at('c-ip'),
    up: at('cs-bytes'),
    down: at('sc-bytes'),
    date: at('date'),
    time: at('time'),
  };
}

export const w3cFormat: LogFormat = {
  name: 'w3c',
  description: 'W3C extended log format with a `#Fields:` header (Blue Coat ProxySG, IIS, …)',
  createParser(): LineParser {
    let cols: Columns | null = null;
    return {
      parse(line) {
        const trimmed = line.trim();
        if (trimmed === '') return { kind: 'skip' };
        if (trimmed.startsWith('#')) {
          if (trimmed.slice(0, 8).toLowerCase() === '#fields:') {
            const names = trimmed
              .slice(8)
              .trim()
              .split(/[ \t]+/)
              .map((n) => n.toLowerCase());
            cols = columns(names);
          }
          return { kind: 'skip' };
        }
        if (cols === null) return malformed('a data line before any `#Fields:` directive');
        if (cols.host.length === 0 && cols.url.length === 0) {
          return malformed('the `#Fields:` directive names no host or URL field (`cs-host`, `cs-uri`)');
        }
        const f = splitBlankSeparated(trimmed);
        if (f === null) return malformed('a quoted value is not closed');
        if (f.length !== cols.count)
          return malformed(`${f.length} fields where \`#Fields:\` names ${cols.count}`);
        let host: string | null = null;
        for (const i of cols.host) host ??= present(f[i]) === null ? null : hostOf(f[i]!);
        for (const i of cols.url) host ??= present(f[i]) === null ? null : hostOf(f[i]!);
        if (host === null) return malformed('no destination host in the line');
        let time: string | null = null;
        if (cols.date >= 0 && cols.time >= 0) {
          const text = `${f[cols.date]} ${f[cols.time]}`;
          time = parseIsoLike(text);
          if (time === null)
            return malformed(`the date and time \`${clip(text)}\` are not \`YYYY-MM-DD HH:MM:SS\``);
        }
        const up = cols.up >= 0 ? byteCount(f[cols.up]) : 0;
        const down = cols.down >= 0 ? byteCount(f[cols.down]) : 0;
        if (up === null || down === null)
          return malformed('a byte count (`cs-bytes`, `sc-bytes`) is not a number');
        let user: string | null = null;
        for (const i of cols.user) user ??= present(f[i]);
        return {
          kind: 'record',
          record: {
            time,
            user,
            client: cols.client >= 0 ? present(f[cols.client]) : null,
            host,
            bytesUp: up,
            bytesDown: down,
          },
        };
      },
    };
  },
};
