/**
 * A SIEM endpoint on loopback for tests: records every POST (headers, raw body, whether its signature
 * verifies with the shared secret) and answers from a script of statuses (200 once the script is empty).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface ReceivedDelivery {
  delivery: string;
  timestamp: string;
  signature: string;
  contentType: string;
  body: string;
  /** The signature header equals `sha256=` + the hex HMAC-SHA256 of the raw body with the secret. */
  verified: boolean;
  /** What the receiver answered. */
  status: number;
}

export interface SiemReceiver {
  url: string;
  /** Every POST received, in order, whatever the answer. */
  received: ReceivedDelivery[];
  /** Only the POSTs answered with a 2xx. */
  accepted(): ReceivedDelivery[];
  /** Event records of accepted deliveries, once per delivery id (as a deduplicating SIEM would keep them). */
  events(): Record<string, unknown>[];
  /** Statuses for the next POSTs, in order (then 200). */
  script(...statuses: number[]): void;
  /** Holds the answer to every POST from the `n`-th on (0-based; default: the next one) until `release()`; the request is recorded at once. */
  hold(n?: number): void;
  release(): void;
  close(): Promise<void>;
}

/** Verifies the way docs/operations.md tells a receiver to, independently of the sink's own code. */
function verify(secret: string, body: Buffer, header: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const got = Buffer.from(header);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startSiemReceiver(secret: string): Promise<SiemReceiver> {
  const received: ReceivedDelivery[] = [];
  const statuses: number[] = [];
  let holdFrom: number | null = null;
  let held: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readAll(req);
      const header = String(req.headers['x-parapet-signature'] ?? '');
      const status = statuses.shift() ?? 200;
      const index = received.length;
      received.push({
        delivery: String(req.headers['x-parapet-delivery'] ?? ''),
        timestamp: String(req.headers['x-parapet-timestamp'] ?? ''),
        signature: header,
        contentType: String(req.headers['content-type'] ?? ''),
        body: raw.toString('utf8'),
        verified: verify(secret, raw, header),
        status,
      });
      const answer = () => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status < 300 ? 'ok' : 'try again');
      };
      if (holdFrom === null || index < holdFrom) answer();
      else held.push(answer);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const accepted = () => received.filter((d) => d.status >= 200 && d.status < 300);
  return {
    url: `http://127.0.0.1:${port}/ingest`,
    received,
    accepted,
    events() {
      const seen = new Set<string>();
      const out: Record<string, unknown>[] = [];
      for (const d of accepted()) {
        if (seen.has(d.delivery)) continue;
        seen.add(d.delivery);
        for (const line of d.body.split('\n')) if (line !== '') out.push(JSON.parse(line));
      }
      return out;
    },
    script(...next) {
      statuses.push(...next);
    },
    hold(n) {
      holdFrom = n ?? received.length;
    },
    release() {
      const waiting = held;
      held = [];
      holdFrom = null;
      for (const answer of waiting) answer();
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
