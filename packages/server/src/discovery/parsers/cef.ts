/**
 * ArcSight Common Event Format, alone on a line or after a syslog header:
 *
 *     Jun 20 15:29:11 proxy01 CEF:0|Acme|SWG|2.1|100|allowed|1|rt=Jun 20 2024 15:29:11 suser=alice
 *       src=10.1.2.3 dhost=claude.ai request=https://claude.ai/api/append_message in=48213 out=5120
 *
 * Header fields escape `|` and `\` with a backslash; extension values escape `=` and `\`, and `\n`/`\r`
 * are line breaks. Keys read (short or full name): `suser`/`sourceUserName`, `src`/`sourceAddress`,
 * `dhost`/`destinationHostName` (else the host of `request`/`requestURL`), `rt`/`receiptTime` (else
 * `start`/`startTime`, `end`/`endTime`), `in`/`bytesIn`, `out`/`bytesOut`.
 *
 * Bytes follow the CEF definition: `in` counts bytes that flowed from the source (the user) to the
 * destination (the service), so it is the upload; `out` flowed from the destination back to the source,
 * the download.
 */
import { hostOf } from '../host.ts';
import { clip } from './squid.ts';
import { parseAnyTime } from './time.ts';
import { byteCount, type LineParser, type LogFormat, malformed, present } from './types.ts';

const ALIASES: Record<string, string> = {
  sourceUserName: 'suser',
  sourceAddress: 'src',
  destinationHostName: 'dhost',
  requestURL: 'request',
  receiptTime: 'rt',
  startTime: 'start',
  endTime: 'end',
  bytesIn: 'in',
  bytesOut: 'out',
};

/** Splits the seven header fields and the extension; null when there are fewer than seven `|`. */
export function splitCefHeader(text: string): { header: string[]; extension: string } | null {
  const header: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\' && (text[i + 1] === '|' || text[i + 1] === '\\')) {
      current += text[i + 1];
      i++;
    } else if (char === '|') {
      header.push(current);
      current = '';
      if (header.length === 7) return { header, extension: text.slice(i + 1) };
    } else current += char;
  }
  return null;
}

function isKeyChar(char: string): boolean {
  return (
    (char >= 'a' && char <= 'z') ||
    (char >= 'A' && char <= 'Z') ||
    (char >= '0' && char <= '9') ||
    char === '_' ||
    char === '.' ||
    char === '[' ||
    char === ']'
  );
}

/**
 * The extension's `key=value` pairs. A key is a run of key characters after a blank (or at the start)
 * followed by an unescaped `=`; a value runs to the blank before the next key. One pass over the text.
 */
export function parseCefExtension(text: string): Map<string, string> {
  const pairs = new Map<string, string>();
  // Positions of unescaped '=' and the key that precedes each.
  const keys: { key: string; keyStart: number; valueStart: number }[] = [];
  let tokenStart = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\') {
      i++;
      continue;
    }
    if (char === ' ') {
      tokenStart = i + 1;
      continue;
    }
    if (char === '=' && i > tokenStart) {
      const key = text.slice(tokenStart, i);
      let ok = true;
      for (const c of key) if (!isKeyChar(c)) ok = false;
      if (ok) {
        keys.push({ key, keyStart: tokenStart, valueStart: i + 1 });
        // Further '=' in this token belong to the value.
        tokenStart = text.length;
      }
    }
  }
  for (const [index, k] of keys.entries()) {
    const next = keys[index + 1];
    const end = next === undefined ? text.length : next.keyStart - 1;
    pairs.set(
      ALIASES[k.key] ?? k.key,
      unescapeValue(text.slice(k.valueStart, Math.max(k.valueStart, end)).trimEnd()),
    );
  }
  return pairs;
}

function unescapeValue(value: string): string {
  if (!value.includes('\\')) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (char !== '\\' || i + 1 >= value.length) {
      out += char;
      continue;
    }
    const next = value[++i]!;
    out += next === 'n' ? '\n' : next === 'r' ? '\r' : next;
  }
  return out;
}

export const cefFormat: LogFormat = {
  name: 'cef',
  description: 'ArcSight CEF (`CEF:0|vendor|product|…|ext`), optionally after a syslog header',
  createParser(): LineParser {
    return {
      parse(line) {
        if (line.trim() === '') return { kind: 'skip' };
        const at = line.indexOf('CEF:');
        if (at < 0) return malformed('no `CEF:` header on the line');
        const split = splitCefHeader(line.slice(at));
        if (split === null) return malformed('the CEF header has fewer than seven `|`-separated fields');
        const ext = parseCefExtension(split.extension);
        const hostText = present(ext.get('dhost')) ?? present(ext.get('request'));
        if (hostText === null) return malformed('no `dhost` or `request` in the extension');
        const host = hostOf(hostText);
        if (host === null) return malformed(`no host in \`${clip(hostText)}\``);
        const timeText = present(ext.get('rt')) ?? present(ext.get('start')) ?? present(ext.get('end'));
        let time: string | null = null;
        if (timeText !== null) {
          time = parseAnyTime(timeText);
          if (time === null) return malformed(`the time \`${clip(timeText)}\` is not a CEF time`);
        }
        const up = byteCount(ext.get('in'));
        const down = byteCount(ext.get('out'));
        if (up === null || down === null) return malformed('`in` or `out` is not a number');
        return {
          kind: 'record',
          record: {
            time,
            user: present(ext.get('suser')),
            client: present(ext.get('src')),
            host,
            bytesUp: up,
            bytesDown: down,
          },
        };
      },
    };
  },
};
