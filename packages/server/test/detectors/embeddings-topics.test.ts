import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Segment } from '@parapet/core';
import {
  createEmbeddingsTopicsDetector,
  createOpenAIEmbeddingsBackend,
  EmbeddingsBackendError,
} from '../../src/detectors/embeddings-topics.ts';

const DIMS = 1024;
const STOP = new Set([
  'the',
  'a',
  'my',
  'is',
  'of',
  'to',
  'do',
  'i',
  'how',
  'what',
  'for',
  'and',
  'in',
  'on',
]);

/** A toy embedding model: a hashed bag of content words, so texts sharing words are similar. */
function toyEmbedding(text: string): number[] {
  const v = new Array<number>(DIMS).fill(0);
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    if (STOP.has(word)) continue;
    let h = 7;
    for (const ch of word.replace(/s$/, '')) h = (h * 31 + ch.charCodeAt(0)) % 100_003;
    v[h % DIMS]! += 1;
  }
  return v;
}

interface Recorded {
  authorization: string | undefined;
  body: { model: string; input: string[]; encoding_format?: string };
}

let server: Server;
let baseUrl = '';
const recorded: Recorded[] = [];
let failNext = 0;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

before(async () => {
  server = createServer(async (req, res) => {
    const raw = await readBody(req);
    if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    if (failNext > 0) {
      failNext--;
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"boom"}}');
      return;
    }
    const body = JSON.parse(raw) as Recorded['body'];
    const input = Array.isArray(body.input) ? body.input : [body.input];
    recorded.push({ authorization: req.headers.authorization, body: { ...body, input } });
    // OpenAI's shape; items deliberately listed in reverse order (clients must use `index`).
    const data = input
      .map((text, index) => ({ object: 'embedding', index, embedding: toyEmbedding(text) }))
      .reverse();
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        object: 'list',
        data,
        model: body.model,
        usage: { prompt_tokens: 1, total_tokens: 1 },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const TOPICS = [
  {
    id: 'pets',
    examples: ['feeding dog puppy food', 'cat litter box cleaning', 'walking the dog in the park'],
  },
  {
    id: 'cars',
    examples: ['changing car engine oil', 'car tyre pressure check', 'engine warning light on dashboard'],
  },
];

function segments(...texts: string[]): Segment[] {
  return texts.map((text, index) => ({ index, source: 'user', path: `messages[${index}]`, text }));
}

const ctx = { direction: 'input' } as const;

describe('OpenAI-compatible embeddings backend', () => {
  test('sends model, inputs and the key, and orders vectors by index', async () => {
    recorded.length = 0;
    const backend = createOpenAIEmbeddingsBackend({
      baseUrl,
      model: 'toy-embed',
      apiKey: 'sk-test',
      batchSize: 2,
    });
    const vectors = await backend.embed(['dog food', 'car engine', 'cat']);
    assert.equal(vectors.length, 3);
    assert.deepEqual(vectors[0], toyEmbedding('dog food'));
    assert.deepEqual(vectors[2], toyEmbedding('cat'));
    assert.equal(recorded.length, 2, 'three texts in batches of two make two requests');
    assert.equal(recorded[0]?.authorization, 'Bearer sk-test');
    assert.equal(recorded[0]?.body.model, 'toy-embed');
    assert.equal(recorded[0]?.body.encoding_format, 'float');
  });

  test('a failing endpoint gives an error without the text or the key', async () => {
    failNext = 1;
    const backend = createOpenAIEmbeddingsBackend({ baseUrl, model: 'toy-embed', apiKey: 'sk-secret' });
    await assert.rejects(backend.embed(['private prompt text']), (error: unknown) => {
      assert.ok(error instanceof EmbeddingsBackendError);
      assert.equal(error.status, 500);
      assert.ok(!error.message.includes('private prompt text'));
      assert.ok(!error.message.includes('sk-secret'));
      return true;
    });
  });

  test('an unreachable endpoint is reported as such', async () => {
    const backend = createOpenAIEmbeddingsBackend({
      baseUrl: 'http://127.0.0.1:1/v1',
      model: 'x',
      timeoutMs: 2000,
    });
    await assert.rejects(backend.embed(['hello']), /could not be reached/);
  });
});

describe('embeddings topics detector', () => {
  test('labels segments by similarity to topic examples, with span null', async () => {
    const detector = createEmbeddingsTopicsDetector({
      backend: createOpenAIEmbeddingsBackend({ baseUrl, model: 'toy-embed' }),
      topics: TOPICS,
      similarityFloor: 0.1,
      similarityFull: 0.6,
    });
    assert.equal(detector.family, 'topics');
    const findings = await detector.inspect(
      segments(
        'what food for my new puppy dog',
        'the engine oil light in my car',
        'quantum chromodynamics lecture',
      ),
      ctx,
    );
    const bySegment = (i: number) => findings.filter((f) => f.segment === i).map((f) => f.type);
    assert.deepEqual(bySegment(0), ['pets']);
    assert.deepEqual(bySegment(1), ['cars']);
    assert.deepEqual(bySegment(2), []);
    for (const f of findings) {
      assert.equal(f.span, null);
      assert.ok(f.score >= 0.5 && f.score <= 1);
      assert.equal(f.detector, 'topics.embeddings');
    }
  });

  test('embeds examples once and caches texts by content', async () => {
    recorded.length = 0;
    const detector = createEmbeddingsTopicsDetector({
      backend: createOpenAIEmbeddingsBackend({ baseUrl, model: 'toy-embed' }),
      topics: TOPICS,
      similarityFloor: 0.1,
      similarityFull: 0.6,
    });
    const first = await detector.inspect(segments('walking my dog', 'walking my dog'), ctx);
    const inputsAfterFirst = recorded.flatMap((r) => r.body.input);
    assert.equal(inputsAfterFirst.length, 6 + 1, 'six examples and one distinct text');
    const again = await detector.inspect(segments('walking my dog'), ctx);
    assert.equal(recorded.flatMap((r) => r.body.input).length, 7, 'nothing re-embedded');
    assert.deepEqual(
      again.map((f) => f.type),
      first.filter((f) => f.segment === 0).map((f) => f.type),
    );
  });

  test('a failure rejects (a detector failure, not "no topic") and the next call retries', async () => {
    const detector = createEmbeddingsTopicsDetector({
      backend: createOpenAIEmbeddingsBackend({ baseUrl, model: 'toy-embed' }),
      topics: TOPICS,
      similarityFloor: 0.1,
      similarityFull: 0.6,
    });
    failNext = 1;
    await assert.rejects(
      Promise.resolve(detector.inspect(segments('cat litter'), ctx)),
      EmbeddingsBackendError,
    );
    const findings = await detector.inspect(segments('cat litter'), ctx);
    assert.deepEqual(
      findings.map((f) => f.type),
      ['pets'],
    );
  });

  test('empty segments need no request', async () => {
    recorded.length = 0;
    const detector = createEmbeddingsTopicsDetector({
      backend: createOpenAIEmbeddingsBackend({ baseUrl, model: 'toy-embed' }),
      topics: TOPICS,
    });
    assert.deepEqual(await detector.inspect(segments('', '  '), ctx), []);
    assert.equal(recorded.length, 0);
  });

  test('invalid similarity bounds are refused when built', () => {
    assert.throws(
      () =>
        createEmbeddingsTopicsDetector({
          backend: { embed: async () => [] },
          topics: TOPICS,
          similarityFloor: 0.7,
          similarityFull: 0.5,
        }),
      /similarityFull/,
    );
  });
});
