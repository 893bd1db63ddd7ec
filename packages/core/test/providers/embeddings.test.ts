import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ParapetError } from '../../src/errors/codes.ts';
import { embeddingsSegments, parseEmbeddingsRequest } from '../../src/providers/embeddings.ts';

function assertInvalid(body: unknown, message: RegExp): void {
  assert.throws(
    () => parseEmbeddingsRequest(body),
    (err: unknown) =>
      err instanceof ParapetError && err.code === 'PARAPET_REQUEST_INVALID' && message.test(err.message),
  );
}

describe('parseEmbeddingsRequest', () => {
  test('reads a string, an array of strings and token arrays', () => {
    assert.deepEqual(parseEmbeddingsRequest({ model: 'e', input: 'one' }), { model: 'e', input: ['one'] });
    assert.deepEqual(parseEmbeddingsRequest({ model: 'e', input: ['a', 'b'], encoding_format: 'float' }), {
      model: 'e',
      input: ['a', 'b'],
    });
    assert.deepEqual(parseEmbeddingsRequest({ model: 'e', input: [1, 2, 3] }), { model: 'e', input: [''] });
    assert.deepEqual(parseEmbeddingsRequest({ model: 'e', input: [[1, 2], [3]] }), {
      model: 'e',
      input: ['', ''],
    });
  });

  test('names the field when a type is wrong', () => {
    assertInvalid(null, /request body must be a JSON object/);
    assertInvalid({ input: 'x' }, /^`model` must be a non-empty string$/);
    assertInvalid({ model: '', input: 'x' }, /^`model` must be a non-empty string$/);
    assertInvalid(
      { model: 'e' },
      /^`input` must be a string, an array of strings or an array of token arrays$/,
    );
    assertInvalid({ model: 'e', input: 5 }, /^`input` must be/);
    assertInvalid({ model: 'e', input: [] }, /^`input` must not be empty$/);
    assertInvalid(
      { model: 'e', input: ['a', 2] },
      /^`input\[1\]` must be a string or a non-empty array of integer token ids$/,
    );
    assertInvalid({ model: 'e', input: [[1], []] }, /^`input\[1\]`/);
    assertInvalid({ model: 'e', input: [[1.5]] }, /^`input\[0\]`/);
  });
});

describe('embeddingsSegments', () => {
  test('labels each text embedding_input and skips inputs without text', () => {
    const segments = embeddingsSegments(
      parseEmbeddingsRequest({ model: 'e', input: ['first', '', 'third'] }),
    );
    assert.deepEqual(segments, [
      { index: 0, source: 'embedding_input', path: 'input[0]', text: 'first' },
      { index: 1, source: 'embedding_input', path: 'input[2]', text: 'third' },
    ]);
    assert.deepEqual(embeddingsSegments(parseEmbeddingsRequest({ model: 'e', input: [[1, 2]] })), []);
  });
});
