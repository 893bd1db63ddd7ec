import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type CsvRecord, csvFileChunks, parseCsv, readCsv } from '../../src/audit/csv.ts';

const dir = mkdtempSync(join(tmpdir(), 'parapet-csv-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fields(records: CsvRecord[]): string[][] {
  return records.map((r) => r.fields);
}

async function collect(chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>) {
  const out: CsvRecord[] = [];
  for await (const record of readCsv(chunks)) out.push(record);
  return out;
}

/** A text cut into chunks of `size` characters. */
function chunked(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

describe('CSV reading (RFC 4180)', () => {
  test('plain fields, LF and CRLF line breaks, no trailing line break', () => {
    assert.deepEqual(fields(parseCsv('a,b,c\n1,2,3\r\n4,5,6')), [
      ['a', 'b', 'c'],
      ['1', '2', '3'],
      ['4', '5', '6'],
    ]);
    assert.deepEqual(fields(parseCsv('a,b\r\n1,2\r\n')), [
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  test('quoted fields hold delimiters, doubled quotes and line breaks', () => {
    const records = parseCsv('name,note\n"Doe, Jane","she said ""hi"""\n"multi\nline\r\ntext",x\nlast,"y"\n');
    assert.deepEqual(fields(records), [
      ['name', 'note'],
      ['Doe, Jane', 'she said "hi"'],
      ['multi\nline\r\ntext', 'x'],
      ['last', 'y'],
    ]);
    // Line numbers are physical lines where each record starts: the quoted one spans lines 3 to 5.
    assert.deepEqual(
      records.map((r) => r.line),
      [1, 2, 3, 6],
    );
  });

  test('empty fields, empty quoted fields, and a quoted field that is only a quote', () => {
    assert.deepEqual(fields(parseCsv('a,,c\n"",,""""\n,\n')), [
      ['a', '', 'c'],
      ['', '', '"'],
      ['', ''],
    ]);
  });

  test('a UTF-8 byte-order mark is dropped, from text and from bytes', async () => {
    assert.deepEqual(fields(parseCsv('\uFEFFid,x\n1,2\n'))[0], ['id', 'x']);
    const bytes = Buffer.from('\uFEFFid,x\n1,2\n', 'utf8');
    assert.equal(bytes[0], 0xef);
    assert.deepEqual(fields(await collect([bytes]))[0], ['id', 'x']);
  });

  test('blank lines are skipped but still counted in line numbers', () => {
    const records = parseCsv('a,b\n\n1,2\r\n\r\n3,4\n');
    assert.deepEqual(fields(records), [
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
    assert.deepEqual(
      records.map((r) => r.line),
      [1, 3, 5],
    );
  });

  test('a lone CR ends a record too', () => {
    assert.deepEqual(fields(parseCsv('a,b\r1,2\r3,4')), [
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  test('stray quotes are kept as text, as Python and R do', () => {
    assert.deepEqual(fields(parseCsv('height,x\n5\'10",1\n"a"b,2\n')), [
      ['height', 'x'],
      ['5\'10"', '1'],
      ['ab', '2'],
    ]);
  });

  test('every way of cutting the input into chunks gives the same records', async () => {
    const text =
      '\uFEFFid,name,note\r\n1,"Doe, Jane","x ""y"" z"\r\n2,Ünïcødé ✓,"line\r\nbreak"\r\n3,,""\r\n\r\n4,a,"""q"""\r\n5,end,';
    const expected = fields(parseCsv(text));
    assert.equal(expected.length, 6);
    for (const size of [1, 2, 3, 5, 7, 64]) {
      assert.deepEqual(fields(await collect(chunked(text, size))), expected, `chunks of ${size} characters`);
    }
    // Bytes cut inside multi-byte characters decode whole.
    const bytes = Buffer.from(text, 'utf8');
    for (const size of [1, 2, 3]) {
      const pieces: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
      assert.deepEqual(fields(await collect(pieces)), expected, `chunks of ${size} bytes`);
    }
  });

  test('CRLF cut between CR and LF is one line break', async () => {
    const records = await collect(['a,b\r', '\n1,2\r', '\n3,4']);
    assert.deepEqual(fields(records), [
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
    assert.deepEqual(
      records.map((r) => r.line),
      [1, 2, 3],
    );
  });

  test('an unterminated quote at the end is one record with an error, not a crash', () => {
    const records = parseCsv('a,b\n1,2\n3,"never closed\n4,5\n');
    assert.equal(records.length, 3);
    assert.deepEqual(records[2], {
      fields: [],
      line: 3,
      error: 'unterminated quoted field (the quote opened on line 3)',
    });
  });

  test('an overlong record is dropped with an error and reading goes on', () => {
    const long = 'x'.repeat(100);
    const records = parseCsv(`a,b\n1,"${long}"\n2,3\n`, { maxRecordChars: 50 });
    assert.deepEqual(
      records.map((r) => [r.fields, r.line, r.error]),
      [
        [['a', 'b'], 1, undefined],
        [[], 2, 'the record is longer than 50 characters'],
        [['2', '3'], 3, undefined],
      ],
    );
  });

  test('another delimiter: tab', () => {
    assert.deepEqual(fields(parseCsv('a\tb\n"x\ty"\t2\n', { delimiter: '\t' })), [
      ['a', 'b'],
      ['x\ty', '2'],
    ]);
    assert.throws(() => parseCsv('a', { delimiter: '"' }), /one character other than a quote/);
  });

  test('files are read in chunks, gzip detected from the magic number', async () => {
    const text = 'id,v\n1,"a\nb"\n2,c\n';
    const plain = join(dir, 'plain.csv');
    const gz = join(dir, 'packed.csv.gz');
    writeFileSync(plain, text);
    writeFileSync(gz, gzipSync(Buffer.from(text)));
    const expected = [
      ['id', 'v'],
      ['1', 'a\nb'],
      ['2', 'c'],
    ];
    assert.deepEqual(fields(await collect(await csvFileChunks(plain))), expected);
    assert.deepEqual(fields(await collect(await csvFileChunks(gz))), expected);
  });

  test('a large file streams in linear time', async () => {
    const row = '12345,"a, quoted field",plain,0.5\n';
    const rows = 200_000;
    const started = performance.now();
    let count = 0;
    async function* source() {
      for (let i = 0; i < rows / 1000; i++) yield row.repeat(1000);
    }
    for await (const record of readCsv(source())) {
      if (record.fields.length === 4) count++;
    }
    assert.equal(count, rows);
    assert.ok(performance.now() - started < 5000, 'reading 200k rows takes well under 5 s');
  });
});
