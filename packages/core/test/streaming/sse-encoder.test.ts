import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSseDecoder } from '../../src/streaming/sse-decoder.ts';
import { encodeSseComment, encodeSseEvent, SseEncodeError } from '../../src/streaming/sse-encoder.ts';
import type { SseEvent } from '../../src/streaming/sse-event.ts';

function decode(text: string): SseEvent[] {
  const decoder = createSseDecoder();
  return [...decoder.push(new TextEncoder().encode(text)), ...decoder.end()];
}

describe('encodeSseEvent', () => {
  test('writes the fields and the blank line that dispatches the event', () => {
    assert.equal(encodeSseEvent({ data: '{"a":1}' }), 'data: {"a":1}\n\n');
    assert.equal(
      encodeSseEvent({ event: 'message_start', id: '7', retry: 1000, data: 'x' }),
      'event: message_start\nid: 7\nretry: 1000\ndata: x\n\n',
    );
    assert.equal(encodeSseEvent({ event: '', data: 'x' }), 'data: x\n\n');
  });

  test('splits data on LF, CR and CRLF into several data lines', () => {
    assert.equal(encodeSseEvent({ data: 'a\nb\r\nc\rd' }), 'data: a\ndata: b\ndata: c\ndata: d\n\n');
    assert.equal(encodeSseEvent({ data: '\n' }), 'data: \ndata: \n\n');
  });

  test('round-trips through the decoder', () => {
    const events: SseEvent[] = [
      { data: '' },
      { data: ' leading space and trailing space ' },
      { data: 'line one\nline two\n\nline four\n' },
      { event: 'content_block_delta', data: '{"delta":{"text":"héllo 👋 你好 𠜎"}}' },
      { id: '', data: 'x' },
      { id: 'evt-9', retry: 0, data: ': not a comment' },
      { event: 'data: sneaky', data: 'data: y' },
    ];
    const stream = events.map(encodeSseEvent).join('');
    assert.deepEqual(decode(stream), events);
  });

  test('normalises CR and CRLF in data to LF in the round trip', () => {
    assert.deepEqual(decode(encodeSseEvent({ data: 'a\r\nb\rc' })), [{ data: 'a\nb\nc' }]);
  });

  test('refuses an event name containing CR or LF', () => {
    for (const name of ['a\nb', 'a\rb', 'a\r\nb', '\n']) {
      assert.throws(
        () => encodeSseEvent({ event: name, data: 'x' }),
        (error: unknown) => error instanceof SseEncodeError && error.field === 'event',
      );
    }
  });

  test('refuses an id containing CR, LF or NUL', () => {
    for (const id of ['1\n', '1\r', '1\r\ndata: injected', 'a\0b']) {
      assert.throws(
        () => encodeSseEvent({ id, data: 'x' }),
        (error: unknown) => error instanceof SseEncodeError && error.field === 'id',
      );
    }
  });

  test('refuses a retry that is not a non-negative integer', () => {
    for (const retry of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => encodeSseEvent({ retry, data: 'x' }), SseEncodeError);
    }
  });

  test('does not put the refused value into the error message', () => {
    assert.throws(
      () => encodeSseEvent({ id: 'secret-value\n', data: 'x' }),
      (error: unknown) => error instanceof Error && !error.message.includes('secret-value'),
    );
  });
});

describe('encodeSseComment', () => {
  test('writes a comment the decoder ignores', () => {
    assert.equal(encodeSseComment('ping'), ': ping\n\n');
    assert.deepEqual(decode(encodeSseComment('ping') + encodeSseEvent({ data: 'x' })), [{ data: 'x' }]);
  });

  test('keeps every line of a multi-line comment a comment, so it cannot inject an event', () => {
    const comment = encodeSseComment('a\ndata: injected\r\rdata: again\r\n');
    assert.equal(comment, ': a\n: data: injected\n: \n: data: again\n: \n\n');
    assert.deepEqual(decode(comment), []);
  });
});
