// A fast OpenAI-compatible mock upstream for the gateway benchmark: raw node:http, every response body
// precomputed once, so the mock costs as little as possible and the gateway under test dominates.
// Run as its own process: `node --import tsx bench/mock-upstream.ts --port 18000 [--host 127.0.0.1]`.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

/** Model name reported by the mock when the request does not name one it can echo. */
export const MOCK_MODEL = 'bench-model';
/** Number of content chunks in a streamed answer (plus one role chunk, one finish chunk and `[DONE]`). */
export const MOCK_STREAM_CONTENT_CHUNKS = 18;

const CREATED = 1_700_000_000;
const ANSWER_WORDS = [
  'Parapet',
  ' sits',
  ' between',
  ' apps',
  ' and',
  ' models',
  ',',
  ' checks',
  ' the',
  ' traffic',
  ',',
  ' applies',
  ' policy',
  ' and',
  ' records',
  ' every',
  ' event',
  '.',
];

/** The text every mock completion answers (streamed answers concatenate to the same text). */
export const MOCK_ANSWER = ANSWER_WORDS.join('');

/** The precomputed response bodies the mock serves. */
export interface MockBodies {
  /** Non-streaming `chat.completion` JSON (about 300 bytes, with usage). */
  readonly completion: Buffer;
  /** First SSE write of a streamed answer: the role chunk and the first content chunk. */
  readonly streamHead: Buffer;
  /** Second SSE write: remaining content chunks, the finish chunk with usage, and `data: [DONE]`. */
  readonly streamTail: Buffer;
}

/** Builds the response bodies once; exported so tests can compare what the wire carries. */
export function buildMockBodies(): MockBodies {
  const usage = {
    prompt_tokens: 260,
    completion_tokens: ANSWER_WORDS.length,
    total_tokens: 260 + ANSWER_WORDS.length,
  };
  const completion = {
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: CREATED,
    model: MOCK_MODEL,
    choices: [{ index: 0, message: { role: 'assistant', content: MOCK_ANSWER }, finish_reason: 'stop' }],
    usage,
  };
  const chunk = (delta: Record<string, string>, finish: string | null, withUsage = false): string =>
    `data: ${JSON.stringify({
      id: 'chatcmpl-bench',
      object: 'chat.completion.chunk',
      created: CREATED,
      model: MOCK_MODEL,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...(withUsage ? { usage } : {}),
    })}\n\n`;
  const head = chunk({ role: 'assistant', content: '' }, null) + chunk({ content: ANSWER_WORDS[0]! }, null);
  let tail = '';
  for (const word of ANSWER_WORDS.slice(1)) tail += chunk({ content: word }, null);
  tail += chunk({}, 'stop', true);
  tail += 'data: [DONE]\n\n';
  return {
    completion: Buffer.from(JSON.stringify(completion)),
    streamHead: Buffer.from(head),
    streamTail: Buffer.from(tail),
  };
}

/** Options of {@link createMockUpstream}. */
export interface MockUpstreamOptions {
  /** Interface to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /** Port to listen on; default 0 (any free port). */
  readonly port?: number;
}

/** A running mock upstream. */
export interface MockUpstream {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:18000/v1`. */
  readonly baseUrl: string;
  /** The port actually bound. */
  readonly port: number;
  /** Number of chat completions answered so far. */
  readonly served: () => number;
  /** Stops listening and closes idle keep-alive connections. */
  readonly close: () => Promise<void>;
}

/** GET path answering the number of chat completions served so far (plain text), for progress polling. */
export const SERVED_PATH = '/__bench/served';

const STREAM_FLAG = /"stream"\s*:\s*true/;
const JSON_HEADERS = { 'content-type': 'application/json' };
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const MODELS_BODY = Buffer.from(
  JSON.stringify({
    object: 'list',
    data: [{ id: MOCK_MODEL, object: 'model', created: CREATED, owned_by: 'bench' }],
  }),
);
const NOT_FOUND_BODY = Buffer.from(
  JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', code: 'not_found' } }),
);

/** Starts the mock upstream; resolves once it listens. */
export async function createMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const host = options.host ?? '127.0.0.1';
  const bodies = buildMockBodies();
  const completionHeaders = { ...JSON_HEADERS, 'content-length': String(bodies.completion.length) };
  let served = 0;

  const answer = (res: ServerResponse, body: string): void => {
    served++;
    if (STREAM_FLAG.test(body)) {
      res.writeHead(200, SSE_HEADERS);
      res.write(bodies.streamHead);
      res.end(bodies.streamTail);
    } else {
      res.writeHead(200, completionHeaders);
      res.end(bodies.completion);
    }
  };

  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    if (req.method === 'POST' && url.endsWith('/chat/completions')) {
      const parts: Buffer[] = [];
      req.on('data', (part: Buffer) => parts.push(part));
      req.on('end', () => answer(res, Buffer.concat(parts).toString('latin1')));
      return;
    }
    if (req.method === 'GET' && url === SERVED_PATH) {
      const text = String(served);
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(text.length) });
      res.end(text);
      return;
    }
    if (req.method === 'GET' && url.endsWith('/models')) {
      res.writeHead(200, { ...JSON_HEADERS, 'content-length': String(MODELS_BODY.length) });
      res.end(MODELS_BODY);
      return;
    }
    req.resume();
    res.writeHead(404, { ...JSON_HEADERS, 'content-length': String(NOT_FOUND_BODY.length) });
    res.end(NOT_FOUND_BODY);
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://${host}:${port}/v1`,
    port,
    served: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function readFlag(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const port = Number(readFlag(argv, '--port') ?? '18000');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`mock-upstream: invalid port \`${readFlag(argv, '--port')}\`, pass --port with 0-65535`);
    process.exit(2);
  }
  const mock = await createMockUpstream({ port, host: readFlag(argv, '--host') ?? '127.0.0.1' });
  // The parent process waits for this line before sending traffic.
  console.log(`mock upstream listening on ${mock.baseUrl}`);
  const stop = (): void => {
    void mock.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
