/**
 * The SIEM sink's behaviour, written once and run on every store (SQLite, PostgreSQL): signed NDJSON
 * batches to a loopback receiver, keyset paging across windows, retries, no batch skipped, resume after a
 * restart, the lease between replicas, and redaction. Events are inserted with fixed times and the
 * exporters get an injected clock, so every round is deterministic.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Event } from '@parapet/core';
import { buildConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import {
  createSettingCas,
  createSiemExporter,
  deliveryId,
  SIEM_STATE_KEY,
  type SiemExporter,
  type SiemExporterOptions,
  SiemRecord,
  SiemStateValue,
  verifySiemSignature,
} from '../../src/siem/index.ts';
import { encryptContent } from '../../src/store/content-crypto.ts';
import type { Store } from '../../src/store/ports.ts';
import type { StoreUnderTest } from '../store/store-contract.ts';
import { makeEvent } from '../store/store-fixtures.ts';
import { type SiemReceiver, startSiemReceiver } from './siem-receiver.ts';

export const SECRET = 'siem-test-secret-7c1d2e3f4a5b6c7d';
const T0 = Date.parse('2025-06-01T10:00:00.000Z');
const CONTENT_KEY = Buffer.alloc(32, 7);

/** `n` events 1 s apart from `start` (ms), ids `<prefix>-<i>` (zero-padded), metadata only. */
export function timedEvents(prefix: string, n: number, start: number, stepMs = 1000): Event[] {
  return Array.from({ length: n }, (_, i) =>
    makeEvent(`${prefix}-${String(i).padStart(3, '0')}`, {
      time: new Date(start + i * stepMs).toISOString(),
      contentMode: 'none',
      content: null,
    }),
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** What a SIEM test works with: the store, a clock, captured logs and exporters (replicas) on the store. */
export interface SiemHarness<U extends { store: Store; cleanup(): Promise<void> }> {
  under: U;
  clock: { now: number };
  logs: string[];
  exporter(store?: Store, extra?: Partial<SiemExporterOptions>): SiemExporter;
  /** Event ids of every accepted delivery, repeats included (a receiver that does not deduplicate). */
  sent(): string[];
  cleanup(): Promise<void>;
}

/**
 * A SIEM sink on `under`'s store that sends to `receiver` (emptied first): batches of 3, no settle
 * margin unless `siem.delay_ms` or `settleMs` asks for one, an injected clock, fast retries.
 */
export function siemHarness<U extends { store: Store; cleanup(): Promise<void> }>(
  receiver: SiemReceiver,
  under: U,
  siem: Record<string, unknown> = {},
  contentKey: Uint8Array | null = null,
): SiemHarness<U> {
  receiver.received.length = 0;
  receiver.release();
  const clock = { now: T0 + 3_600_000 };
  const logs: string[] = [];
  const config = buildConfig(
    {
      siem: {
        url: receiver.url,
        secret: SECRET,
        batch_size: 3,
        delay_ms: 0,
        start: 'beginning',
        max_retries: 0,
        ...siem,
      },
    },
    { env: {} },
  );
  const exporters: SiemExporter[] = [];
  return {
    under,
    clock,
    logs,
    exporter(store = under.store, extra = {}) {
      const created = createSiemExporter({
        store,
        config,
        contentKey,
        logger: createLogger({ level: 'debug', stream: { write: (line) => void logs.push(line) } }),
        now: () => clock.now,
        leaseMs: 10_000,
        // No settle margin unless a test asks for one (siem.delay_ms), so rounds follow the inserts at once.
        settleMs: 0,
        io: { baseDelayMs: 1, maxDelayMs: 4, random: () => 0.5 },
        ...extra,
      });
      exporters.push(created);
      return created;
    },
    sent: () =>
      receiver
        .accepted()
        .flatMap((d) => d.body.trimEnd().split('\n'))
        .map((line) => String((JSON.parse(line) as { id: unknown }).id)),
    async cleanup() {
      for (const e of exporters) await e.stop();
      await under.cleanup();
    },
  };
}

/** The sink's stored state (lease, cursor, stats). */
async function readState(store: Store): Promise<SiemStateValue> {
  return SiemStateValue.parse((await store.getSetting(SIEM_STATE_KEY))?.value);
}

export function runSiemContract(
  name: string,
  open: () => Promise<StoreUnderTest>,
  options: { skip?: string | false } = {},
): void {
  describe(`SIEM sink on ${name}`, { skip: options.skip ?? false }, () => {
    let receiver: SiemReceiver;
    before(async () => {
      receiver = await startSiemReceiver(SECRET);
    });
    after(() => receiver?.close());

    /** A store, a clock, captured logs and a factory of exporters (replicas) on that store. */
    async function setup(siem: Record<string, unknown> = {}) {
      return siemHarness(receiver, await open(), { max_retries: 3, ...siem }, CONTENT_KEY);
    }

    test('every event once, in signed NDJSON batches, across pages, equal times and windows', async () => {
      const s = await setup();
      try {
        // Seven events, three of them at the same millisecond (keyset ties are broken by id).
        const events = timedEvents('a', 7, T0);
        for (const e of events.slice(2, 5)) e.time = events[2]!.time;
        await s.under.store.insertEvents(events);
        const a = s.exporter();
        const round = await a.runOnce();
        assert.deepEqual(round, { state: 'caught-up', delivered: 7, batches: 3 });
        assert.equal(receiver.received.length, 3);
        for (const d of receiver.received) {
          assert.equal(d.verified, true, 'the receiver verifies the HMAC of the raw body');
          assert.equal(verifySiemSignature(SECRET, d.body, d.signature), true);
          assert.equal(verifySiemSignature('another-secret-0000', d.body, d.signature), false);
          assert.equal(d.contentType, 'application/x-ndjson');
          assert.ok(!Number.isNaN(Date.parse(d.timestamp)));
          assert.ok(d.body.endsWith('\n'));
          const lines = d.body.trimEnd().split('\n');
          assert.ok(lines.length <= 3);
          const ids = lines.map((line) => SiemRecord.parse(JSON.parse(line)).id);
          // Oldest first inside a batch; the delivery id is derived from the batch's events.
          assert.equal(d.delivery, deliveryId([...ids].reverse().map((id) => ({ id }))));
        }
        assert.deepEqual(new Set(receiver.received.map((d) => d.delivery)).size, 3);
        const sent = receiver.events().map((r) => r['id']);
        assert.deepEqual([...sent].sort(), events.map((e) => e.id).sort());

        // Nothing new: nothing sent. Events stored later: sent at the next round, in the order they were
        // stored, whatever their time (here ahead of the clock).
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });
        const later = timedEvents('b', 2, T0 + 3_700_000);
        await s.under.store.insertEvents(later);
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 2, batches: 1 });
        s.clock.now = T0 + 3_800_000;
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });
        assert.deepEqual(
          receiver.events().map((r) => r['id']),
          [...sent, 'b-000', 'b-001'],
        );
        // Neither the secret nor anything else sensitive is logged.
        assert.ok(!s.logs.join('').includes(SECRET));
      } finally {
        await s.cleanup();
      }
    });

    test('a round ends while the clock moves; what arrives meanwhile waits for the next round', async () => {
      const s = await setup({ batch_size: 1 });
      try {
        await s.under.store.insertEvents(timedEvents('t', 3, T0));
        // Every reading of the clock is 1 ms later than the one before.
        let ticks = 0;
        const a = s.exporter(s.under.store, { now: () => s.clock.now + ++ticks });
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 3, batches: 3 });
        await s.under.store.insertEvents(timedEvents('u', 1, s.clock.now + ticks + 1));
        s.clock.now += 1000;
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 1, batches: 1 });
      } finally {
        await s.cleanup();
      }
    });

    test('delay_ms: on PostgreSQL a stored event waits that long (database clock); SQLite needs no wait', async () => {
      const s = await setup({ delay_ms: 1500 });
      try {
        // Event times do not matter any more: only when the events were stored.
        await s.under.store.insertEvents(timedEvents('d', 3, s.clock.now - 90_000, 20_000));
        const a = s.exporter();
        if (s.under.store.kind === 'sqlite') {
          assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 3, batches: 1 });
          return;
        }
        // Stored just now: within the settle margin, so held back (the injected clock plays no part).
        s.clock.now += 3_600_000;
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });
        await new Promise((r) => setTimeout(r, 1600));
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 3, batches: 1 });
      } finally {
        await s.cleanup();
      }
    });

    test('retries after 5xx and 429 with the same body, signature and delivery id', async () => {
      const s = await setup();
      try {
        await s.under.store.insertEvents(timedEvents('r', 2, T0));
        receiver.script(500, 503, 429, 200);
        const round = await s.exporter().runOnce();
        assert.deepEqual(round, { state: 'caught-up', delivered: 2, batches: 1 });
        assert.deepEqual(
          receiver.received.map((d) => d.status),
          [500, 503, 429, 200],
        );
        const first = receiver.received[0]!;
        for (const d of receiver.received) {
          assert.equal(d.delivery, first.delivery);
          assert.equal(d.body, first.body);
          assert.equal(d.signature, first.signature);
          assert.equal(d.verified, true);
        }
      } finally {
        await s.cleanup();
      }
    });

    test('a batch that keeps failing is never skipped; a 4xx is not retried', async () => {
      const s = await setup({ max_retries: 2 });
      try {
        await s.under.store.insertEvents(timedEvents('f', 4, T0));
        const a = s.exporter();
        receiver.script(500, 500, 500);
        const failed = await a.runOnce();
        assert.equal(failed.state, 'failed');
        assert.equal(receiver.received.length, 3, 'the first attempt and two retries');
        let state = await readState(s.under.store);
        assert.equal(state.failures, 1);
        assert.equal(state.lastError?.status, 500);
        assert.equal(state.lastError?.delivery, receiver.received[0]!.delivery);
        assert.equal(state.stats.events, 0);

        receiver.script(400);
        const refused = await a.runOnce();
        assert.equal(refused.state, 'failed');
        assert.equal(receiver.received.length, 4, 'a 400 is not retried');
        state = await readState(s.under.store);
        assert.equal(state.failures, 2);

        const ok = await a.runOnce();
        assert.deepEqual(ok, { state: 'caught-up', delivered: 4, batches: 2 });
        // The failed batch went out again under its delivery id, then the rest.
        assert.equal(receiver.received[4]!.delivery, receiver.received[0]!.delivery);
        assert.deepEqual(
          receiver
            .events()
            .map((r) => r['id'])
            .sort(),
          ['f-000', 'f-001', 'f-002', 'f-003'],
        );
        state = await readState(s.under.store);
        assert.equal(state.failures, 0);
        assert.equal(state.stats.events, 4);
      } finally {
        await s.cleanup();
      }
    });

    test('a restart resumes from the durable cursor: nothing lost, a repeat keeps its delivery id', async () => {
      const s = await setup({ batch_size: 2 });
      try {
        await s.under.store.insertEvents(timedEvents('x', 5, T0));
        const a = s.exporter();
        // The second POST reaches the receiver but the process stops before the answer.
        receiver.hold(1);
        const running = a.runOnce();
        while (receiver.received.length < 2) await new Promise((r) => setTimeout(r, 2));
        await a.stop();
        assert.equal((await running).state, 'stopped');
        receiver.release();

        const reopened = s.under.reopen === undefined ? s.under.store : await s.under.reopen();
        const b = s.exporter(reopened);
        assert.notEqual(b.replicaId, a.replicaId);
        // a gave its lease up on stop: b starts at once.
        assert.deepEqual(await b.runOnce(), { state: 'caught-up', delivered: 3, batches: 2 });
        const deliveries = receiver.received.map((d) => d.delivery);
        assert.equal(deliveries.length, 4);
        assert.equal(deliveries[2], deliveries[1], 'the interrupted batch is sent again under its id');
        assert.equal(receiver.received[2]!.body, receiver.received[1]!.body);
        const ids = receiver.events().map((r) => r['id']);
        assert.deepEqual([...ids].sort(), ['x-000', 'x-001', 'x-002', 'x-003', 'x-004']);
        assert.equal(new Set(ids).size, 5, 'once each after deduplication by delivery id');
      } finally {
        receiver.release();
        await s.cleanup();
      }
    });

    test('one replica exports at a time; the lease passes on stop or on expiry', async () => {
      const s = await setup();
      try {
        const second = s.under.reopen === undefined ? s.under.store : await s.under.reopen();
        const a = s.exporter();
        const b = s.exporter(second);
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 0, batches: 0 });
        const standby = await b.runOnce();
        assert.equal(standby.state, 'standby');
        assert.equal(standby.state === 'standby' && standby.holder, a.replicaId);

        await s.under.store.insertEvents(timedEvents('l', 2, s.clock.now + 1000));
        s.clock.now += 5000;
        assert.equal((await b.runOnce()).state, 'standby');
        assert.equal(receiver.received.length, 0, 'the standby replica sends nothing');
        assert.deepEqual(await a.runOnce(), { state: 'caught-up', delivered: 2, batches: 1 });

        // a stops renewing (paused, partitioned): once its lease expires, b takes over.
        s.clock.now += 20_009;
        await s.under.store.insertEvents(timedEvents('n', 1, s.clock.now - 1));
        const takeover = await b.runOnce();
        assert.equal(takeover.state, 'caught-up');
        assert.equal((await readState(s.under.store)).lease?.holder, b.replicaId);
        // a comes back: the lease is b's and unexpired, so a stays in standby and sends nothing.
        const sentBefore = receiver.received.length;
        const back = await a.runOnce();
        assert.equal(back.state, 'standby');
        assert.equal(receiver.received.length, sentBefore);

        // b stops and gives the lease up: a takes over at once.
        await b.stop();
        assert.equal((await a.runOnce()).state, 'caught-up');
        const ids = receiver.events().map((r) => r['id']);
        assert.equal(new Set(ids).size, ids.length, 'no event twice');
        assert.ok(ids.includes('l-000') && ids.includes('l-001') && ids.includes('n-000'));
      } finally {
        await s.cleanup();
      }
    });

    test('a replica whose lease was taken over cannot move the cursor', async () => {
      const s = await setup({ batch_size: 1 });
      try {
        await s.under.store.insertEvents(timedEvents('z', 2, T0));
        const second = s.under.reopen === undefined ? s.under.store : await s.under.reopen();
        const a = s.exporter();
        const b = s.exporter(second);
        // a is mid-delivery (the receiver holds its answer) when its lease expires and b takes over.
        receiver.hold();
        const running = a.runOnce();
        while (receiver.received.length < 1) await new Promise((r) => setTimeout(r, 2));
        s.clock.now += 120_000;
        const bRound = b.runOnce();
        while (receiver.received.length < 2) await new Promise((r) => setTimeout(r, 2));
        receiver.release();
        assert.equal((await bRound).state, 'caught-up');
        // a's answer arrives late; its cursor write names a stale revision and changes nothing.
        assert.equal((await running).state, 'stopped');
        const state = await readState(s.under.store);
        assert.equal(state.lease?.holder, b.replicaId);
        assert.equal(state.stats.events, 2);
        assert.equal(receiver.received[0]!.delivery, receiver.received[1]!.delivery, 'same batch, same id');
      } finally {
        receiver.release();
        await s.cleanup();
      }
    });

    test('content: masked text only, never plaintext or ciphertext; `none` sends metadata only', async () => {
      const s = await setup({ batch_size: 10 });
      try {
        const masked = JSON.stringify({
          input: [{ source: 'user', path: 'messages[0].content', text: 'mail [EMAIL_ADDRESS] now' }],
          output: [{ source: 'completion', path: 'choices[0].message.content', text: 'done' }],
        });
        const email = {
          family: 'pii',
          type: 'EMAIL_ADDRESS',
          score: 0.99,
          segment: 0,
          span: { start: 5, end: 22 },
          detector: 'pii.regex',
        };
        const request = {
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'mail alice@example.com now' }],
        };
        const blob = encryptContent(CONTENT_KEY, JSON.stringify({ request, response: null }));
        const unreadable = encryptContent(Buffer.alloc(32, 9), JSON.stringify({ request, response: null }));
        const findings = { input: [email], output: [] };
        await s.under.store.insertEvents([
          makeEvent('c-1', { time: iso(T0), contentMode: 'redacted', content: masked, findings }),
          makeEvent('c-2', { time: iso(T0 + 1), contentMode: 'encrypted', content: blob, findings }),
          makeEvent('c-3', { time: iso(T0 + 2), contentMode: 'none', content: null }),
          makeEvent('c-4', { time: iso(T0 + 3), contentMode: 'encrypted', content: unreadable, findings }),
        ]);
        await s.exporter().runOnce();
        const body = receiver.received.map((d) => d.body).join('');
        assert.ok(!body.includes('alice@example.com'), 'never the plaintext of a finding');
        assert.ok(
          !body.includes(blob.slice(3, 40)) && !body.includes(unreadable.slice(3, 40)),
          'nor ciphertext',
        );
        const records = new Map(receiver.events().map((r) => [r['id'], SiemRecord.parse(r)]));
        assert.equal(records.get('c-1')!.contentStatus, 'redacted');
        assert.deepEqual(records.get('c-1')!.content, { ...JSON.parse(masked), withheld: [] });
        assert.equal(records.get('c-1')!.action.input, 'redact');
        // Encrypted content is decrypted on the gateway and masked before it leaves.
        assert.equal(records.get('c-2')!.contentStatus, 'redacted');
        assert.deepEqual(
          records.get('c-2')!.content?.input.map((x) => x.text),
          ['mail [EMAIL_ADDRESS] now'],
        );
        assert.equal(records.get('c-3')!.contentStatus, 'none');
        assert.equal(records.get('c-4')!.contentStatus, 'unavailable');
        assert.equal(records.get('c-4')!.content, null);
      } finally {
        await s.cleanup();
      }

      const n = await setup({ batch_size: 10, content: 'none' });
      try {
        await n.under.store.insertEvents([
          makeEvent('o-1', {
            time: iso(T0),
            contentMode: 'redacted',
            content: JSON.stringify({ input: [{ source: 'user', text: 'x [EMAIL_ADDRESS]' }], output: [] }),
          }),
        ]);
        await n.exporter().runOnce();
        const [record] = receiver.events().map((r) => SiemRecord.parse(r));
        assert.equal(record!.contentStatus, 'omitted');
        assert.equal(record!.content, null);
        assert.ok(!receiver.received[0]!.body.includes('[EMAIL_ADDRESS]'));
      } finally {
        await n.cleanup();
      }
    });

    test('compare-and-set on a setting: one writer per revision', async () => {
      const s = await setup();
      try {
        const cas = createSettingCas(s.under.store);
        const at = new Date(T0).toISOString();
        const first = await cas.compareAndPut('test.cas', 0, { n: 1 }, 'one', at);
        assert.equal(first?.revision, 1);
        assert.equal(await cas.compareAndPut('test.cas', 0, { n: 2 }, 'two', at), null, 'exists already');
        const second = await cas.compareAndPut('test.cas', 1, { n: 2 }, 'two', at);
        assert.deepEqual([second?.revision, second?.value, second?.updatedBy], [2, { n: 2 }, 'two']);
        assert.equal(await cas.compareAndPut('test.cas', 1, { n: 3 }, 'three', at), null, 'stale revision');
        assert.deepEqual((await s.under.store.getSetting('test.cas'))?.value, { n: 2 });
        await assert.rejects(cas.compareAndPut('test.cas', -1, {}, 'x', at), RangeError);
      } finally {
        await s.cleanup();
      }
    });

    test('off without a URL: no lease taken, nothing sent', async () => {
      const s = await setup({ url: null, secret: null });
      try {
        await s.under.store.insertEvents(timedEvents('o', 1, T0));
        assert.deepEqual(await s.exporter().runOnce(), { state: 'disabled', reason: null });
        assert.equal(await s.under.store.getSetting(SIEM_STATE_KEY), null);
        assert.equal(receiver.received.length, 0);
      } finally {
        await s.cleanup();
      }
    });
  });
}
