/**
 * Each proxy-log parser on fixtures written in its format (realistic lines and malformed ones), the
 * same contract for every format (blank lines, garbage, Unicode never throw), and the streaming reader
 * (gzip, CRLF, awkward chunk splits, over-long lines).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parseCefExtension } from '../../src/discovery/parsers/cef.ts';
import {
  LOG_FORMATS,
  type LogFormatName,
  type LogRecord,
  logFormat,
} from '../../src/discovery/parsers/index.ts';
import { MAX_LINE_CHARS, readLogChunks, readLogFile } from '../../src/discovery/read-log.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const scratch = mkdtempSync(join(tmpdir(), 'parapet-discovery-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function read(file: string, format: LogFormatName) {
  const records: LogRecord[] = [];
  const stats = await readLogFile(join(FIXTURES, file), { format, onRecord: (r) => records.push(r) });
  return { stats, records };
}

describe('squid native access.log', () => {
  test('reads CONNECT and plain requests, users, clients and reply sizes; reports malformed lines', async () => {
    const { stats, records } = await read('squid-access.log', 'squid');
    assert.deepEqual([stats.lines, stats.records, stats.malformed], [11, 8, 3]);
    assert.deepEqual(records[0], {
      time: '2024-06-20T14:29:11.123Z',
      user: 'alice',
      client: '10.1.2.3',
      host: 'chatgpt.com',
      bytesUp: 0,
      bytesDown: 6042,
    });
    assert.equal(records[1]!.host, 'cdn.oaistatic.com');
    // No authenticated user: `-` reads as null (the client address identifies the requester).
    assert.deepEqual(
      [records[5]!.user, records[5]!.client, records[5]!.host],
      [null, '10.1.2.5', 'gpt4free.example.net'],
    );
    // Host names are lower-cased, ports dropped.
    assert.equal(records[7]!.host, 'chatgpt.com');
    assert.deepEqual(
      stats.malformedSamples.map((s) => s.line),
      [8, 9, 10],
    );
    assert.match(stats.malformedSamples[1]!.reason, /size `notanumber`/);
    assert.match(stats.malformedSamples[2]!.reason, /time `yesterday`/);
  });
});

describe('W3C extended (#Fields:)', () => {
  test('Blue Coat ProxySG: quoted values with blanks, cs-host, cs-bytes up and sc-bytes down', async () => {
    const { stats, records } = await read('w3c-bluecoat.log', 'w3c');
    assert.deepEqual([stats.lines, stats.skipped, stats.records, stats.malformed], [13, 6, 4, 3]);
    assert.deepEqual(records[0], {
      time: '2024-06-20T15:29:11.000Z',
      user: 'alice',
      client: '10.1.2.3',
      host: 'gemini.google.com',
      bytesUp: 48213,
      bytesDown: 5120,
    });
    assert.equal(records[2]!.user, null);
    assert.equal(records[3]!.host, 'api.llmrouter.example.io');
    assert.deepEqual(
      stats.malformedSamples.map((s) => s.line),
      [11, 12, 13],
    );
    assert.match(stats.malformedSamples[0]!.reason, /8 fields where `#Fields:` names 25/);
  });

  test('IIS style: CRLF line ends, the host taken from cs-uri', async () => {
    const { stats, records } = await read('w3c-iis.log', 'w3c');
    assert.deepEqual([stats.records, stats.malformed], [2, 0]);
    assert.deepEqual(records[0], {
      time: '2024-06-20T16:00:01.000Z',
      user: 'EXAMPLE\\alice',
      client: '10.1.2.3',
      host: 'chatgpt.com',
      bytesUp: 48213,
      bytesDown: 5120,
    });
  });

  test('a data line before any #Fields directive is malformed; a later #Fields redefines the columns', () => {
    const parser = logFormat('w3c').createParser();
    assert.equal(parser.parse('2024-06-20 15:00:00 chatgpt.com').kind, 'malformed');
    assert.equal(parser.parse('#Fields: date time cs-host').kind, 'skip');
    const first = parser.parse('2024-06-20 15:00:00 chatgpt.com');
    assert.equal(first.kind === 'record' && first.record.host, 'chatgpt.com');
    parser.parse('#Fields: cs-host c-ip');
    const second = parser.parse('claude.ai 10.0.0.1');
    assert.deepEqual(
      second.kind === 'record' && [second.record.host, second.record.client, second.record.time],
      ['claude.ai', '10.0.0.1', null],
    );
    parser.parse('#Fields: date time c-ip');
    const noHost = parser.parse('2024-06-20 15:00:00 10.0.0.1');
    assert.equal(noHost.kind, 'malformed');
  });
});

describe('Zscaler NSS web feed', () => {
  test('quoted CSV in the default field order: time, login, URL without scheme, request and response sizes, client IP', async () => {
    const { stats, records } = await read('zscaler-nss.log', 'zscaler');
    assert.deepEqual([stats.lines, stats.records, stats.malformed], [8, 4, 4]);
    assert.deepEqual(records[0], {
      time: '2024-06-20T15:29:11.000Z',
      user: 'alice@example.com',
      client: '10.1.2.3',
      host: 'chatgpt.com',
      bytesUp: 48213,
      bytesDown: 5120,
    });
    assert.equal(records[2]!.host, 'copilot.cloudapps.example.net');
    assert.deepEqual(
      stats.malformedSamples.map((s) => [s.line, s.reason.split(' ').slice(0, 3).join(' ')]),
      [
        [5, 'expected at least'],
        [6, 'the time `Someday`'],
        [7, 'the request or'],
        [8, 'a quoted value'],
      ],
    );
  });

  test('tab-separated feeds (Zscaler’s recommended delimiter)', async () => {
    const { records } = await read('zscaler-nss-tab.log', 'zscaler');
    assert.deepEqual(records, [
      {
        time: '2024-06-20T15:40:00.000Z',
        user: 'dave@example.com',
        client: null,
        host: 'gemini.google.com',
        bytesUp: 3000,
        bytesDown: 15000,
      },
    ]);
  });
});

describe('CEF', () => {
  test('syslog prefix, short and full key names, escapes; `in` is the upload, `out` the download', async () => {
    const { stats, records } = await read('cef.log', 'cef');
    assert.deepEqual([stats.lines, stats.records, stats.malformed], [8, 4, 4]);
    assert.deepEqual(records[0], {
      time: '2024-06-20T15:29:11.000Z',
      user: 'alice',
      client: '10.1.2.3',
      host: 'claude.ai',
      bytesUp: 48213,
      bytesDown: 5120,
    });
    // requestURL / sourceUserName / bytesIn (full names), rt in epoch milliseconds.
    assert.deepEqual(records[1], {
      time: '2024-06-20T15:30:00.000Z',
      user: 'bob',
      client: '10.1.2.4',
      host: 'api.openai.com',
      bytesUp: 2210,
      bytesDown: 912,
    });
    assert.equal(records[3]!.host, 'www.example.com');
    assert.deepEqual(
      stats.malformedSamples.map((s) => s.line),
      [5, 6, 7, 8],
    );
  });

  test('extension values keep blanks, unescape \\= \\\\ \\n, and a later key ends the value', () => {
    const ext = parseCefExtension('msg=a b \\= c\\\\d\\nline2 suser=alice dhost=claude.ai cs1=x=y');
    assert.equal(ext.get('msg'), 'a b = c\\d\nline2');
    assert.equal(ext.get('suser'), 'alice');
    assert.equal(ext.get('dhost'), 'claude.ai');
    assert.equal(ext.get('cs1'), 'x=y');
  });
});

describe('CSV with a header', () => {
  test('columns by name (case, blanks and dashes ignored), quoted commas, ISO, epoch and offset times', async () => {
    const { stats, records } = await read('proxy.csv', 'csv');
    assert.deepEqual([stats.lines, stats.skipped, stats.records, stats.malformed], [9, 1, 5, 3]);
    assert.deepEqual(records[0], {
      time: '2024-06-20T15:29:11.000Z',
      user: 'alice',
      client: '10.1.2.3',
      host: 'chatgpt.com',
      bytesUp: 48213,
      bytesDown: 5120,
    });
    assert.equal(records[1]!.user, 'Doe, John');
    assert.equal(records[2]!.time, '2024-06-20T15:31:00.000Z');
    assert.equal(records[3]!.time, '2024-06-20T13:32:00.000Z');
    assert.deepEqual(
      stats.malformedSamples.map((s) => s.line),
      [7, 8, 9],
    );
  });

  test('a header without a host or URL column stops the file with a clear error', async () => {
    const file = join(scratch, 'no-host.csv');
    writeFileSync(file, 'time,user,bytes_out\n2024-06-20T15:00:00Z,alice,10\n');
    await assert.rejects(readLogFile(file, { format: 'csv', onRecord: () => {} }), /no host or URL column/);
  });

  test('semicolon and tab delimited exports, host column instead of a URL', () => {
    for (const delimiter of [';', '\t']) {
      const parser = logFormat('csv').createParser();
      assert.equal(
        parser.parse(['user', 'dhost', 'bytes_sent', 'bytes_received'].join(delimiter)).kind,
        'skip',
      );
      const line = parser.parse(['erin', 'Claude.AI', '10', '20'].join(delimiter));
      assert.deepEqual(line.kind === 'record' && line.record, {
        time: null,
        user: 'erin',
        client: null,
        host: 'claude.ai',
        bytesUp: 10,
        bytesDown: 20,
      });
    }
  });
});

describe('every format: the same contract', () => {
  const awkward = [
    '',
    '   ',
    'garbage',
    '\u0000\u0001\u0002',
    'ünïcödé 🙂 ½ | = , " \t',
    '"unclosed',
    'CEF:0|',
    '#Fields:',
    '1,2,3,4,5,6,7,8,9,10',
    '='.repeat(5000),
  ];
  for (const name of LOG_FORMATS) {
    test(`${name}: blank lines are skipped; nothing throws; never a record without a host`, () => {
      const parser = logFormat(name).createParser();
      if (name === 'csv') parser.parse('host,user');
      assert.equal(parser.parse('').kind, 'skip');
      for (const line of awkward) {
        const parsed = parser.parse(line);
        if (parsed.kind === 'record') assert.ok(parsed.record.host.length > 0, `${name}: ${line}`);
        if (parsed.kind === 'malformed') assert.ok(parsed.reason.length > 0);
      }
    });
  }
});

describe('the streaming reader', () => {
  test('gzip files are detected by their first bytes and read the same as plain ones', async () => {
    const text = readFileSync(join(FIXTURES, 'squid-access.log'));
    const gz = join(scratch, 'access.log.1');
    writeFileSync(gz, gzipSync(text));
    const plain: LogRecord[] = [];
    const zipped: LogRecord[] = [];
    let bytes = 0;
    await readLogFile(join(FIXTURES, 'squid-access.log'), {
      format: 'squid',
      onRecord: (r) => plain.push(r),
    });
    const stats = await readLogFile(gz, {
      format: 'squid',
      onRecord: (r) => zipped.push(r),
      onBytes: (b) => {
        bytes = b;
      },
    });
    assert.deepEqual(zipped, plain);
    assert.equal(stats.malformed, 3);
    assert.ok(bytes > 0);
  });

  test('a corrupt gzip file is a one-line error naming it', async () => {
    const bad = join(scratch, 'broken.gz');
    writeFileSync(
      bad,
      Buffer.concat([gzipSync(Buffer.from('x'.repeat(1000))).subarray(0, 12), Buffer.from('nope')]),
    );
    await assert.rejects(readLogFile(bad, { format: 'squid', onRecord: () => {} }), /broken\.gz/);
  });

  test('a missing file is a one-line error naming it', async () => {
    await assert.rejects(
      readLogFile(join(scratch, 'nope.log'), { format: 'squid', onRecord: () => {} }),
      /nope\.log/,
    );
  });

  test('lines split across chunks anywhere (mid-line, mid-CRLF, mid-UTF-8 character) read the same', async () => {
    const text = Buffer.from(
      'time,user,url\r\n2024-06-20T15:00:00Z,zoë,https://chatgpt.com/\r\n2024-06-20T15:00:01Z,zoë,https://claude.ai/\r\n',
    );
    const whole: LogRecord[] = [];
    await readLogChunks('x', [text], { format: 'csv', onRecord: (r) => whole.push(r) });
    assert.equal(whole.length, 2);
    for (let cut = 1; cut < text.length; cut++) {
      const parts: LogRecord[] = [];
      await readLogChunks('x', [text.subarray(0, cut), text.subarray(cut)], {
        format: 'csv',
        onRecord: (r) => parts.push(r),
      });
      assert.deepEqual(parts, whole, `cut at ${cut}`);
    }
  });

  test('a line over the limit is malformed and skipped without stopping the file; a last line without a break counts', async () => {
    const long = `1718893751.123 1 10.0.0.1 TCP_MISS/200 1 GET http://${'a'.repeat(MAX_LINE_CHARS)}.com/ - - -`;
    const chunks = [
      '1718893751.123 1 10.0.0.1 TCP_MISS/200 1 GET http://chatgpt.com/ - - -\n',
      long.slice(0, 1000),
      long.slice(1000),
      '\n1718893752.123 1 10.0.0.1 TCP_MISS/200 2 GET http://claude.ai/ - - -',
    ];
    const records: LogRecord[] = [];
    const stats = await readLogChunks('x', chunks, { format: 'squid', onRecord: (r) => records.push(r) });
    assert.deepEqual(
      records.map((r) => r.host),
      ['chatgpt.com', 'claude.ai'],
    );
    assert.deepEqual([stats.lines, stats.malformed], [3, 1]);
    assert.match(stats.malformedSamples[0]!.reason, /longer than/);
  });

  test('only the first malformed lines are kept as samples; all are counted', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `bad line ${i}`).join('\n');
    const stats = await readLogChunks('x', [lines], { format: 'squid', onRecord: () => {} });
    assert.equal(stats.malformed, 50);
    assert.deepEqual(
      stats.malformedSamples.map((s) => s.line),
      [1, 2, 3, 4, 5],
    );
  });
});
