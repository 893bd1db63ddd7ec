/**
 * Squid's native access.log format (`logformat squid`):
 *
 *     time elapsed client code/status bytes method URL user hierarchy/peer type
 *     1718893751.123    845 10.1.2.3 TCP_TUNNEL/200 6042 CONNECT chatgpt.com:443 alice HIER_DIRECT/104.18.32.47 -
 *
 * Fields are separated by one or more blanks. `bytes` is what the proxy sent to the client (downloaded);
 * the native format does not log the request size, so bytes up are 0. `user` is `-` when the proxy did
 * not authenticate the client.
 */
import { hostOf } from '../host.ts';
import { parseEpoch } from './time.ts';
import { byteCount, type LineParser, type LogFormat, malformed, present } from './types.ts';

export const squidFormat: LogFormat = {
  name: 'squid',
  description:
    'Squid native access.log (`time elapsed client code/status bytes method URL user hierarchy type`)',
  createParser(): LineParser {
    return {
      parse(line) {
        const trimmed = line.trim();
        if (trimmed === '' || trimmed.startsWith('#')) return { kind: 'skip' };
        const f = blankFields(trimmed);
        if (f.length < 7) return malformed(`expected at least 7 blank-separated fields, found ${f.length}`);
        const time = parseEpoch(f[0]!);
        if (time === null) return malformed(`the time \`${clip(f[0]!)}\` is not seconds since the epoch`);
        if (!f[3]!.includes('/'))
          return malformed(`the result field \`${clip(f[3]!)}\` is not \`CODE/status\``);
        const bytes = byteCount(f[4]);
        if (bytes === null) return malformed(`the size \`${clip(f[4]!)}\` is not a number`);
        const host = hostOf(f[6]!);
        if (host === null) return malformed(`no host in the URL \`${clip(f[6]!)}\``);
        return {
          kind: 'record',
          record: {
            time,
            user: present(f[7]),
            client: present(f[2]),
            host,
            bytesUp: 0,
            bytesDown: bytes,
          },
        };
      },
    };
  },
};

function blankFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
    const start = i;
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') i++;
    if (i > start) out.push(line.slice(start, i));
  }
  return out;
}

/** A field as quoted in a reason: at most 60 characters. */
export function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
