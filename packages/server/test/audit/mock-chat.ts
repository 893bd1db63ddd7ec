/**
 * A mock OpenAI-compatible chat model on loopback for the probing tests: it answers each Chat
 * Completions request with the text `answer` gives for the request body, in the real wire format.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockChat {
  /** Base URL (`…/v1`). */
  url: string;
  /** Requests answered so far. */
  requests(): number;
  close(): Promise<void>;
}

export async function startMockChat(
  // biome-ignore lint/suspicious/noExplicitAny: the request body as JSON
  answer: (body: any) => string,
  usage: { prompt: number; completion: number } = { prompt: 50, completion: 1 },
): Promise<MockChat> {
  let requests = 0;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      requests++;
      const body = JSON.parse(raw);
      const content = answer(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          created: 0,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: {
            prompt_tokens: usage.prompt,
            completion_tokens: usage.completion,
            total_tokens: usage.prompt + usage.completion,
          },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests: () => requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
