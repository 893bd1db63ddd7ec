import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSseDecoder, SseDecodeError } from '../../src/streaming/sse-decoder.ts';
import type { SseEvent } from '../../src/streaming/sse-event.ts';

const utf8 = new TextEncoder();

function bytes(text: string): Uint8Array {
  return utf8.encode(text);
}

/** Decodes `chunks` with a fresh decoder, through to `end()`. */
function decodeChunks(chunks: readonly Uint8Array[], maxEventBytes?: number): SseEvent[] {
  const decoder = createSseDecoder(maxEventBytes === undefined ? {} : { maxEventBytes });
  const out: SseEvent[] = [];
  for (const chunk of chunks) out.push(...decoder.push(chunk));
  out.push(...decoder.end());
  return out;
}

function decodeText(...chunks: string[]): SseEvent[] {
  return decodeChunks(chunks.map(bytes));
}

function chunkJson(content: string): string {
  return JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  });
}

// An OpenAI-like stream with 2-, 3- and 4-byte characters (é, CJK, emoji, a 4-byte CJK ideograph).
const CONTENTS = ['Héllo', ' 👋🏽', ' 你好，世界', ' 𠜎𠜱', ' done ✅'];
const OPENAI_STREAM =
  ': OPENROUTER PROCESSING\n\n' +
  CONTENTS.map((c) => `data: ${chunkJson(c)}\n\n`).join('') +
  'event: usage\nid: 42\ndata: {"prompt_tokens":5,\ndata: "completion_tokens":9}\n\n' +
  'data: [DONE]\n\n';
const OPENAI_EVENTS: SseEvent[] = [
  ...CONTENTS.map((c) => ({ data: chunkJson(c) })),
  { event: 'usage', id: '42', data: '{"prompt_tokens":5,\n"completion_tokens":9}' },
  { data: '[DONE]' },
];

describe('createSseDecoder', () => {
  test('decodes a realistic stream in one chunk', () => {
    assert.deepEqual(decodeText(OPENAI_STREAM), OPENAI_EVENTS);
  });

  test('gives the same events when the stream is split at every byte boundary', () => {
    const all = bytes(OPENAI_STREAM);
    for (let i = 0; i <= all.length; i++) {
      const events = decodeChunks([all.subarray(0, i), all.subarray(i)]);
      assert.deepEqual(events, OPENAI_EVENTS, `split at byte ${i}`);
    }
  });

  test('gives the same events when fed one byte at a time', () => {
    const all = bytes(OPENAI_STREAM);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < all.length; i++) chunks.push(all.subarray(i, i + 1));
    assert.deepEqual(decodeChunks(chunks), OPENAI_EVENTS);
  });

  test('gives the same events for every pair of split points in a short stream', () => {
    const stream = 'data: a👋b\r\n\r\nevent: x\rdata: 你\r\rdata: 𠜎\n\n: c\n\ndata\n\n';
    const expected: SseEvent[] = [{ data: 'a👋b' }, { event: 'x', data: '你' }, { data: '𠜎' }, { data: '' }];
    assert.deepEqual(decodeText(stream), expected);
    const all = bytes(stream);
    for (let i = 0; i <= all.length; i++) {
      for (let j = i; j <= all.length; j++) {
        const events = decodeChunks([all.subarray(0, i), all.subarray(i, j), all.subarray(j)]);
        assert.deepEqual(events, expected, `split at bytes ${i} and ${j}`);
      }
    }
  });

  test('returns each event from the push that completes it', () => {
    const decoder = createSseDecoder();
    assert.deepEqual(decoder.push(bytes('data: one\n')), []);
    assert.deepEqual(decoder.push(bytes('\ndata: two\n\ndata: thr')), [{ data: 'one' }, { data: 'two' }]);
    assert.deepEqual(decoder.push(bytes('ee\n\n')), [{ data: 'three' }]);
    assert.deepEqual(decoder.end(), []);
  });

  test('accepts LF, CRLF and CR line ends, mixed', () => {
    assert.deepEqual(decodeText('data: a\ndata: b\r\ndata: c\rdata: d\r\n\r\n'), [{ data: 'a\nb\nc\nd' }]);
    assert.deepEqual(decodeText('data: a\r\rdata: b\r\r'), [{ data: 'a' }, { data: 'b' }]);
    assert.deepEqual(decodeText('data: a\n\rdata: b\r\n\n'), [{ data: 'a' }, { data: 'b' }]);
  });

  test('treats a CR ending one chunk and an LF starting the next as one line end', () => {
    // Were CR|LF two line ends, the LF would be a blank line dispatching `a` alone.
    assert.deepEqual(decodeText('data: a\r', '\ndata: b\r', '\n\r', '\n'), [{ data: 'a\nb' }]);
    assert.deepEqual(decodeText('data: a\r', '', '\n', 'data: b\r', '\r\n'), [{ data: 'a\nb' }]);
    // A lone CR at a chunk end followed by other text is still a line end.
    assert.deepEqual(decodeText('data: a\r', 'data: b\r', '\r'), [{ data: 'a\nb' }]);
  });

  test('dispatches an event ended by CR as soon as the CR arrives', () => {
    const decoder = createSseDecoder();
    assert.deepEqual(decoder.push(bytes('data: a\r\r')), [{ data: 'a' }]);
    assert.deepEqual(decoder.push(bytes('\ndata: b\n\n')), [{ data: 'b' }]);
  });

  test('ignores comments, including between data lines', () => {
    assert.deepEqual(decodeText(': keep-alive\n\n:\n\ndata: a\n: note\ndata: b\n\n'), [{ data: 'a\nb' }]);
    assert.deepEqual(decodeText(': only a comment\n\n'), []);
  });

  test('joins several data lines with LF and keeps empty ones', () => {
    assert.deepEqual(decodeText('data: a\ndata:\ndata: c\n\n'), [{ data: 'a\n\nc' }]);
    assert.deepEqual(decodeText('data\ndata\n\n'), [{ data: '\n' }]);
  });

  test('removes exactly one space after the colon', () => {
    assert.deepEqual(decodeText('data:x\n\ndata:  y\n\ndata: z: w\n\n'), [
      { data: 'x' },
      { data: ' y' },
      { data: 'z: w' },
    ]);
  });

  test('reads event, id and retry, and ignores invalid values and unknown fields', () => {
    assert.deepEqual(decodeText('event: delta\nid: 7\nretry: 3000\nfoo: bar\ndata: x\n\n'), [
      { event: 'delta', id: '7', retry: 3000, data: 'x' },
    ]);
    assert.deepEqual(decodeText('id: a\0b\nretry: 12ms\nretry:\ndata: x\n\n'), [{ data: 'x' }]);
    assert.deepEqual(decodeText('event:\nid:\ndata: x\n\n'), [{ id: '', data: 'x' }]);
    // Field names are case-sensitive.
    assert.deepEqual(decodeText('Data: x\nDATA: y\n\n'), []);
  });

  test('keeps the last value when a field repeats, and reports id only on the event that set it', () => {
    assert.deepEqual(decodeText('event: a\nevent: b\nid: 1\nid: 2\ndata: x\n\ndata: y\n\n'), [
      { event: 'b', id: '2', data: 'x' },
      { data: 'y' },
    ]);
  });

  test('does not dispatch an event without data lines', () => {
    assert.deepEqual(decodeText('event: ping\n\nid: 3\nretry: 10\n\ndata: x\n\n'), [{ data: 'x' }]);
  });

  test('drops an event that lacks its blank line at the end of the stream', () => {
    assert.deepEqual(decodeText('data: a\n\ndata: b\n'), [{ data: 'a' }]);
    assert.deepEqual(decodeText('data: a\n\ndata: b'), [{ data: 'a' }]);
    assert.deepEqual(decodeText('data: a\n\ndata: b\r'), [{ data: 'a' }]);
  });

  test('can decode a new stream after end()', () => {
    const decoder = createSseDecoder();
    assert.deepEqual(decoder.push(bytes('data: half')), []);
    assert.deepEqual(decoder.end(), []);
    assert.deepEqual(decoder.push(bytes('\uFEFFdata: next\n\n')), [{ data: 'next' }]);
  });

  test('skips one leading byte order mark, even when split', () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('data: a\n\n')]);
    assert.deepEqual(decodeChunks([withBom]), [{ data: 'a' }]);
    assert.deepEqual(decodeChunks([withBom.subarray(0, 1), withBom.subarray(1, 2), withBom.subarray(2)]), [
      { data: 'a' },
    ]);
    // A second BOM is content.
    assert.deepEqual(decodeText('\uFEFF\uFEFFdata: a\n\n'), []);
    assert.deepEqual(decodeText('\uFEFFdata: \uFEFFa\n\n'), [{ data: '\uFEFFa' }]);
  });

  test('replaces invalid UTF-8 with U+FFFD instead of throwing', () => {
    const invalid = new Uint8Array([
      ...bytes('data: a'),
      ...[0xff, 0xe4, 0xbd],
      ...bytes('b\ndata: '),
      0xc3,
      ...bytes('\n\n'),
    ]);
    assert.deepEqual(decodeChunks([invalid]), [{ data: 'a\uFFFD\uFFFDb\n\uFFFD' }]);
    for (let i = 0; i <= invalid.length; i++) {
      assert.deepEqual(decodeChunks([invalid.subarray(0, i), invalid.subarray(i)]), [
        { data: 'a\uFFFD\uFFFDb\n\uFFFD' },
      ]);
    }
  });

  describe('size limit', () => {
    test('throws SseDecodeError when a line without its end grows over the limit', () => {
      const decoder = createSseDecoder({ maxEventBytes: 64 });
      decoder.push(bytes('data: '));
      assert.throws(
        () => {
          for (let i = 0; i < 100; i++) decoder.push(bytes('xxxxxxxxxx'));
        },
        (error: unknown) =>
          error instanceof SseDecodeError &&
          error.limitBytes === 64 &&
          /line is over the 64-byte limit/.test(error.message),
      );
    });

    test('throws SseDecodeError when an event of many short lines grows over the limit', () => {
      const decoder = createSseDecoder({ maxEventBytes: 64 });
      assert.throws(() => {
        for (let i = 0; i < 100; i++) decoder.push(bytes('data: 0123456789\n'));
      }, SseDecodeError);
    });

    test('counts UTF-8 bytes, not characters', () => {
      const euros = '€'.repeat(30); // 30 code units, 90 bytes
      assert.throws(() => decodeChunks([bytes(`data: ${euros}`)], 64), SseDecodeError);
      const twoLines = `data: ${euros.slice(0, 15)}\ndata: ${euros.slice(15)}\n\n`; // lines of 51 bytes
      assert.throws(() => decodeChunks([bytes(twoLines)], 64), /event is over the 64-byte limit/);
      assert.deepEqual(decodeChunks([bytes(`data: ${euros}\n\n`)], 100), [{ data: euros }]);
      const emoji = '😀'.repeat(23); // 46 code units, 92 bytes
      assert.deepEqual(decodeChunks([bytes(`data:${emoji}\n\n`)], 97), [{ data: emoji }]);
      assert.throws(() => decodeChunks([bytes(`data:${emoji}\n\n`)], 96), SseDecodeError);
    });

    test('does not count comments, and accepts events up to the limit', () => {
      const comment = `: ${'c'.repeat(50)}\n`;
      const events = decodeChunks([bytes(`${comment}${comment}data: ${'d'.repeat(50)}\n${comment}\n`)], 64);
      assert.deepEqual(events, [{ data: 'd'.repeat(50) }]);
      assert.deepEqual(decodeChunks([bytes(`data:${'x'.repeat(59)}\n\n`)], 64), [{ data: 'x'.repeat(59) }]);
    });

    test('rejects a non-positive limit', () => {
      assert.throws(() => createSseDecoder({ maxEventBytes: 0 }), RangeError);
      assert.throws(() => createSseDecoder({ maxEventBytes: 1.5 }), RangeError);
    });
  });
});
