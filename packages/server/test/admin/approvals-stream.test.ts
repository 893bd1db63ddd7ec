/**
 * The live approval queue, `GET /admin/api/v1/approvals/stream`, over real HTTP on loopback: server-sent
 * events carrying the pending approvals at once, then on every change (a request held while an OpenAI SDK
 * client waits, its approval through the API, a decision written to the shared store as another replica
 * would), keep-alive comments, the poll loop ending when the client goes away, and the refusals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { Approval } from '../../src/admin/index.ts';
import { addToken, addUser, resetLoginAttempts, signIn } from './access-helpers.ts';
import {
  ADMIN_TOKEN,
  type AdminSetup,
  adminTestConfig,
  assertAdminError,
  assertShape,
  startAdminSetup,
} from './admin-helpers.ts';

const POLL_MS = 20;
const KEEP_ALIVE_MS = 250;

let s: AdminSetup;
let contractor: OpenAI;
let analystToken: string;

before(async () => {
  s = await startAdminSetup({
    config: (mock) =>
      adminTestConfig(mock, {
        enforcement: { approval_poll_ms: POLL_MS, keep_alive_ms: KEEP_ALIVE_MS, policy_refresh_ms: 600_000 },
        policy: {
          groups: ['eng', 'contractors'],
          rules: [
            {
              id: 'contractors-finance-needs-approval',
              when: { groups: ['contractors'], detections: { topics: { labels: ['finance'] } } },
              action: 'hold',
            },
          ],
        },
      }),
  });
  const { key } = await s.gw.createKey({ user: 'carl', groups: ['contractors'] });
  contractor = new OpenAI({ apiKey: key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
  analystToken = await addToken(s.gw.store, 'stream-analyst', 'analyst');
  await addUser(s.gw.store, 'rita', 'reviewer');
});

after(() => s.close());

function ask(content: string) {
  return contractor.chat.completions
    .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] })
    .withResponse();
}

interface SseEvent {
  event: string | null;
  data: string;
  retry: number | null;
}

/** Reads server-sent events from a fetch answer, block by block (a block ends with a blank line). */
class SseReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  /** Comment lines seen (`: keep-alive`). */
  readonly comments: string[] = [];

  constructor(res: Response) {
    assert.ok(res.body);
    this.#reader = res.body.getReader();
  }

  async #block(deadline: number): Promise<string> {
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        return block;
      }
      const chunk = await within(this.#reader.read(), deadline - Date.now());
      if (chunk.done) throw new Error('the stream ended');
      this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
    }
  }

  /** The next event (comments are collected in `comments`), within `ms`. */
  async next(ms = 5000): Promise<SseEvent> {
    const deadline = Date.now() + ms;
    for (;;) {
      const lines = (await this.#block(deadline)).split('\n');
      const fields = lines.filter((l) => !l.startsWith(':'));
      this.comments.push(...lines.filter((l) => l.startsWith(':')));
      if (fields.length === 0) continue;
      const event: SseEvent = { event: null, data: '', retry: null };
      const data: string[] = [];
      for (const line of fields) {
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (name === 'event') event.event = value;
        else if (name === 'data') data.push(value);
        else if (name === 'retry') event.retry = Number(value);
      }
      event.data = data.join('\n');
      return event;
    }
  }

  /** The pending approvals of the next event, which must be an `approvals` event. */
  // biome-ignore lint/suspicious/noExplicitAny: approvals as JSON
  async approvals(ms = 5000): Promise<any[]> {
    const e = await this.next(ms);
    assert.equal(e.event, 'approvals');
    const body = JSON.parse(e.data);
    assert.deepEqual(Object.keys(body), ['approvals']);
    for (const a of body.approvals) assertShape(Approval, a);
    return body.approvals;
  }

  /** Waits for the next comment line, within `ms`. */
  async comment(ms: number): Promise<string> {
    const seen = this.comments.length;
    const deadline = Date.now() + ms;
    while (this.comments.length === seen) {
      const lines = (await this.#block(deadline)).split('\n');
      assert.ok(
        lines.every((l) => l.startsWith(':')),
        `an event came instead of a comment: ${lines.join(' / ')}`,
      );
      this.comments.push(...lines);
    }
    return this.comments[seen]!;
  }

  async close(): Promise<void> {
    await this.#reader.cancel();
  }
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function openStream(headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` }) {
  const res = await fetch(`${s.gw.url}/admin/api/v1/approvals/stream`, {
    headers: { accept: 'text/event-stream', ...headers },
  });
  return { res, events: new SseReader(res) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string, ms = 5000, everyMs = 5): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(everyMs);
  }
}

describe('GET /approvals/stream', () => {
  test('a snapshot at once, the held request when it comes, an empty queue once approved; the SDK call completes', async () => {
    const { res, events } = await openStream();
    try {
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('x-accel-buffering'), 'no');

      const first = await events.next();
      assert.equal(first.event, 'approvals');
      assert.equal(first.retry, 3000);
      assert.deepEqual(JSON.parse(first.data), { approvals: [] });

      const pending = ask('summarise quarterly revenue');
      const [held, ...others] = await events.approvals();
      assert.deepEqual(others, []);
      assert.equal(held.status, 'pending');
      assert.equal(held.ruleId, 'contractors-finance-needs-approval');
      assert.equal(held.principal.user, 'carl');
      assert.doesNotMatch(held.summary, /quarterly revenue/);
      // The same item as GET /approvals answers.
      assert.deepEqual((await s.api('GET', '/approvals')).json.approvals, [held]);

      const decided = await s.api('POST', `/approvals/${held.id}/approve`, { reason: 'budget owner agreed' });
      assert.equal(decided.status, 200);
      assert.deepEqual(await events.approvals(), []);

      const { data } = await pending;
      assert.equal(data.choices[0]?.message.content, 'Mock reply to: summarise quarterly revenue');
    } finally {
      await events.close();
    }
  });

  test('signed in with a session cookie (as EventSource sends it), a reviewer sees the queue and denies', async () => {
    await resetLoginAttempts(s.gw.store);
    const rita = await signIn(s.gw.url, 'rita');
    const { res, events } = await openStream({ cookie: rita.cookie });
    try {
      assert.equal(res.status, 200);
      assert.deepEqual(await events.approvals(), []);
      const pending = ask('quarterly revenue for the board').catch((e: unknown) => e);
      const [held] = await events.approvals();
      const denied = await rita.call('POST', `/approvals/${held.id}/deny`, { reason: 'not for contractors' });
      assert.equal(denied.status, 200, JSON.stringify(denied.json));
      assert.equal(denied.json.decidedBy, 'rita');
      assert.deepEqual(await events.approvals(), []);
      const err = await pending;
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.code, 'PARAPET_POLICY_HOLD_DENIED');
      assert.match(err.message, /not for contractors/);
    } finally {
      await events.close();
    }
  });

  test('a change written to the shared store (another replica) shows up; so does a new approval there', async () => {
    const { events } = await openStream();
    try {
      assert.deepEqual(await events.approvals(), []);
      const now = Date.now();
      await s.gw.store.createApproval({
        id: 'apr_other_replica',
        eventId: 'evt_other',
        ruleId: 'r',
        principal: { keyId: null, user: 'u', groups: [], app: 'billing-bot' },
        model: 'gpt-4o',
        summary: 'held elsewhere',
        findings: [{ family: 'topics', type: 'finance', score: 0.9 }],
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + 600_000).toISOString(),
      });
      const [elsewhere] = await events.approvals();
      assert.equal(elsewhere.id, 'apr_other_replica');
      assert.equal(elsewhere.principal.app, 'billing-bot');
      await s.gw.store.decideApproval('apr_other_replica', {
        status: 'denied',
        by: 'someone-on-replica-2',
        reason: 'no',
        at: new Date().toISOString(),
      });
      assert.deepEqual(await events.approvals(), []);
    } finally {
      await events.close();
    }
  });

  test('without a change, a `: keep-alive` comment every enforcement.keep_alive_ms, and no event', async () => {
    // Measured from before the request: the server's interval starts after its first event.
    const started = Date.now();
    const { events } = await openStream();
    try {
      assert.deepEqual(await events.approvals(), []);
      assert.equal(await events.comment(KEEP_ALIVE_MS * 8), ': keep-alive');
      assert.ok(Date.now() - started >= KEEP_ALIVE_MS, 'not before the interval');
      assert.equal(await events.comment(KEEP_ALIVE_MS * 8), ': keep-alive');
    } finally {
      await events.close();
    }
  });

  test('polling stops when the last client goes away, and starts again with the next one', async () => {
    const store = s.gw.store;
    const original = store.listApprovals;
    let reads = 0;
    store.listApprovals = (...args) => {
      reads++;
      return original.apply(store, args);
    };
    try {
      const a = await openStream();
      const b = await openStream();
      await a.events.approvals();
      await b.events.approvals();
      const opened = reads;
      await until(() => reads > opened + 2, 'polling while streams are open');
      const before = reads;
      await sleep(POLL_MS * 10);
      // One shared loop: about one read per interval, not one per stream and interval.
      assert.ok(reads - before <= 12, `${reads - before} reads in 10 intervals with two streams open`);

      await a.events.close();
      const afterA = reads;
      await until(() => reads > afterA + 2, 'one stream still open: still polling');
      await b.events.close();
      // The loop ends once the server sees the connection close: the count stops moving…
      let closed = -1;
      await until(
        () => {
          const settled = reads === closed;
          closed = reads;
          return settled;
        },
        'reads stop',
        5000,
        POLL_MS * 5,
      );
      // …and stays still.
      await sleep(POLL_MS * 15);
      assert.equal(reads, closed, 'no read after every client went away');

      const c = await openStream();
      await c.events.approvals();
      await until(() => reads > closed + 2, 'polling again for a new client');
      await c.events.close();
    } finally {
      store.listApprovals = original;
    }
  });

  test('a role without approvals.read is refused with 403; no credentials 401; other methods 405', async () => {
    const refused = await s.api('GET', '/approvals/stream', undefined, { token: analystToken });
    assertAdminError(refused, 403, 'PARAPET_ADMIN_FORBIDDEN');
    assert.match(refused.json.error.message, /lacks permission `approvals.read`/);
    assertAdminError(
      await s.api('GET', '/approvals/stream', undefined, { token: null }),
      401,
      'PARAPET_ADMIN_UNAUTHORIZED',
    );
    assertAdminError(await s.api('POST', '/approvals/stream', {}), 405, 'PARAPET_METHOD_NOT_ALLOWED');
  });

  test('is in the OpenAPI document as text/event-stream, permission approvals.read', async () => {
    const doc = (await s.api('GET', '/openapi.json')).json;
    const op = doc.paths['/approvals/stream']?.get;
    assert.ok(op);
    assert.equal(op['x-parapet-permission'], 'approvals.read');
    assert.deepEqual(Object.keys(op.responses['200'].content), ['text/event-stream']);
    assert.match(op.responses['200'].content['text/event-stream'].schema.description, /`approvals` event/);
  });
});

describe('GET /approvals/stream at shutdown', () => {
  test('closing the gateway ends open streams cleanly instead of waiting for them', async () => {
    const own = await startAdminSetup();
    try {
      const res = await fetch(`${own.gw.url}/admin/api/v1/approvals/stream`, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      const first = await within(reader.read(), 5000);
      assert.match(new TextDecoder().decode(first.value), /event: approvals/);
      const closing = own.gw.close();
      // The server ends the answer (a clean end of the body, not a reset) before its close completes.
      const ended = await within(
        (async () => {
          for (;;) {
            const chunk = await reader.read();
            if (chunk.done) return true;
          }
        })(),
        4000,
      );
      assert.equal(ended, true);
      await closing;
    } finally {
      await own.close();
    }
  });
});
