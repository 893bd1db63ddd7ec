import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  closeChannel,
  createStreamInspector,
  finish,
  type InspectionWindow,
  push,
  release,
  type StreamInspectorOptions,
  type StreamInspectorState,
  type StreamItem,
  streamInspectorSize,
} from '../../src/streaming/stream-inspector.ts';

/** Deterministic pseudo-random integers in [0, n). */
function seeded(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** Drives an inspector like the gateway does: push, then release, recording everything. */
function drive<P>(options: StreamInspectorOptions, items: StreamItem<P>[]) {
  let state: StreamInspectorState<P> = createStreamInspector<P>(options);
  const windows: InspectionWindow[] = [];
  const emitted: P[] = [];
  for (const item of items) {
    const pushed = push(state, item);
    windows.push(...pushed.windows);
    const released = release(pushed.state);
    emitted.push(...released.emit);
    state = released.state;
  }
  const finished = finish(state);
  windows.push(...finished.windows);
  const rest = release(finished.state);
  emitted.push(...rest.emit);
  return { windows, emitted, state: rest.state };
}

const SECRET = /sk-[A-Za-z0-9]{20,}/;

describe('stream inspector', () => {
  test('holds back a secret-like token split over 3 chunks until a window shows it whole', () => {
    const chunks = [
      'Your key is ',
      'sk-AbCdEf',
      'GhIjKlMnOp',
      'QrStUv123',
      ' keep it safe.',
      ' More text follows here.',
    ];
    let state = createStreamInspector<number>({ holdBackChars: 32, windowChars: 64 });
    const released: number[] = [];
    let foundAt = -1;
    chunks.forEach((text, index) => {
      const pushed = push(state, { payload: index, text });
      for (const window of pushed.windows) {
        const match = SECRET.exec(window.text);
        if (match && foundAt === -1) {
          foundAt = index;
          assert.equal(window.offset + match.index, 'Your key is '.length);
        }
      }
      const out = release(pushed.state);
      released.push(...out.emit);
      state = out.state;
      if (foundAt === -1) {
        assert.ok(
          !released.some((i) => i >= 1),
          `a piece of the token was released before it was seen whole`,
        );
      }
    });
    // The token is complete with the fourth chunk (index 3); none of its pieces had been released then.
    assert.equal(foundAt, 3);
    // Only items with 32 characters after them are out: the channel holds 78, item 4 ends at 54.
    assert.deepEqual(released, [0, 1, 2, 3]);
    const finished = finish(state);
    assert.deepEqual(release(finished.state).emit, [4, 5]);
  });

  test('gives windows of the new text plus up to windowChars of context, with absolute offsets', () => {
    const random = seeded(7);
    const alphabet = 'abcdefghij klmnopqrstuvwxyz0123456789.,\n';
    let full = '';
    let state = createStreamInspector<null>({ holdBackChars: 10, windowChars: 25 });
    for (let i = 0; i < 2000; i++) {
      let text = '';
      const length = 1 + random(40);
      for (let j = 0; j < length; j++) text += alphabet[random(alphabet.length)];
      const before = full.length;
      full += text;
      const pushed = push(state, { payload: null, text });
      assert.equal(pushed.windows.length, 1);
      const window = pushed.windows[0]!;
      assert.equal(window.channel, 'text');
      assert.equal(window.final, false);
      assert.equal(window.offset, Math.max(0, before - 25));
      assert.equal(window.text, full.slice(window.offset));
      state = release(pushed.state).state;
    }
    const finished = finish(state);
    assert.deepEqual(finished.windows, [
      { channel: 'text', text: full.slice(full.length - 25), offset: full.length - 25, final: true },
    ]);
  });

  test('keeps offsets per channel', () => {
    const { windows } = drive({ holdBackChars: 4, windowChars: 3 }, [
      { payload: 1, text: 'hello' },
      { payload: 2, text: '{"a"', channel: 'tool:0' },
      { payload: 3, text: ' world' },
      { payload: 4, text: ':1}', channel: 'tool:0' },
    ]);
    assert.deepEqual(windows, [
      { channel: 'text', text: 'hello', offset: 0, final: false },
      { channel: 'tool:0', text: '{"a"', offset: 0, final: false },
      { channel: 'text', text: 'llo world', offset: 2, final: false },
      { channel: 'tool:0', text: '"a":1}', offset: 1, final: false },
      { channel: 'text', text: 'rld', offset: 8, final: true },
      { channel: 'tool:0', text: ':1}', offset: 4, final: true },
    ]);
  });

  test('does not start a window in the middle of a surrogate pair', () => {
    let state = createStreamInspector<number>({ holdBackChars: 0, windowChars: 2 });
    state = push(state, { payload: 1, text: 'ab😀c' }).state; // 'ab', a pair, 'c': the last 2 units split it
    const { windows } = push(state, { payload: 2, text: 'd' });
    assert.deepEqual(windows, [{ channel: 'text', text: 'cd', offset: 4, final: false }]);
  });

  test('releases in arrival order across channels, and items without text in their place', () => {
    const random = seeded(11);
    const channels = ['text', 'tool:0', 'tool:1'];
    const items: StreamItem<number>[] = [];
    for (let i = 0; i < 500; i++) {
      const kind = random(4);
      items.push(
        kind === 3
          ? { payload: i }
          : { payload: i, text: 'x'.repeat(1 + random(6)), channel: channels[kind]! },
      );
    }
    let state = createStreamInspector<number>({ holdBackChars: 8, windowChars: 8 });
    const emitted: number[] = [];
    for (const item of items) {
      state = push(state, item).state;
      const out = release(state);
      emitted.push(...out.emit);
      state = out.state;
      assert.deepEqual(
        emitted,
        items.slice(0, emitted.length).map((it) => it.payload),
      );
    }
    emitted.push(...release(finish(state).state).emit);
    assert.deepEqual(
      emitted,
      items.map((it) => it.payload),
    );
  });

  test('holds later items of other channels behind a held item', () => {
    let state = createStreamInspector<string>({ holdBackChars: 5, windowChars: 5 });
    state = push(state, { payload: 'text', text: 'abc' }).state;
    state = push(state, { payload: 'tool', text: 'a much longer tool argument', channel: 'tool:0' }).state;
    state = push(state, { payload: 'marker' }).state;
    assert.deepEqual(release(state).emit, []);
    state = push(state, { payload: 'more', text: 'defgh' }).state;
    let out = release(state);
    assert.deepEqual(out.emit, ['text']);
    out = release(push(out.state, { payload: 'tool2', text: '12345', channel: 'tool:0' }).state);
    assert.deepEqual(out.emit, ['tool', 'marker']);
  });

  test('releases an item exactly when its channel holds holdBackChars after it', () => {
    let state = createStreamInspector<number>({ holdBackChars: 3, windowChars: 0 });
    state = push(state, { payload: 1, text: 'ab' }).state;
    state = push(state, { payload: 2, text: 'cd' }).state;
    let out = release(state);
    assert.deepEqual(out.emit, []);
    out = release(push(out.state, { payload: 3, text: 'e' }).state);
    assert.deepEqual(out.emit, [1]);
    out = release(push(out.state, { payload: 4, text: 'fg' }).state);
    assert.deepEqual(out.emit, [2]);
  });

  test('passes everything through immediately with holdBackChars 0', () => {
    let state = createStreamInspector<number>({ holdBackChars: 0, windowChars: 16 });
    for (let i = 0; i < 50; i++) {
      const item: StreamItem<number> =
        i % 5 === 0 ? { payload: i } : { payload: i, text: `chunk ${i} `, channel: `c${i % 3}` };
      const out = release(push(state, item).state);
      assert.deepEqual(out.emit, [i]);
      state = out.state;
    }
    assert.equal(streamInspectorSize(state).heldItems, 0);
  });

  test('finish gives a final window per channel and then releases everything', () => {
    let state = createStreamInspector<number>({ holdBackChars: 100, windowChars: 4 });
    state = push(state, { payload: 1, text: 'first part' }).state;
    state = push(state, { payload: 2 }).state;
    state = push(state, { payload: 3, text: '{"q":1}', channel: 'tool:0' }).state;
    assert.deepEqual(release(state).emit, []);
    const finished = finish(state);
    assert.deepEqual(finished.windows, [
      { channel: 'text', text: 'part', offset: 6, final: true },
      { channel: 'tool:0', text: '":1}', offset: 3, final: true },
    ]);
    const out = release(finished.state);
    assert.deepEqual(out.emit, [1, 2, 3]);
    assert.deepEqual(finish(out.state).windows, []);
    assert.throws(() => push(out.state, { payload: 4, text: 'late' }), /after finish/);
  });

  test('finish of a stream without text gives no windows and releases the items', () => {
    let state = createStreamInspector<string>({ holdBackChars: 10, windowChars: 10 });
    state = push(state, { payload: 'role' }).state;
    state = push(state, { payload: 'empty', text: '' }).state;
    const finished = finish(state);
    assert.deepEqual(finished.windows, []);
    assert.deepEqual(release(finished.state).emit, ['role', 'empty']);
  });

  test('closeChannel gives a final window and releases that channel without waiting for finish', () => {
    let state = createStreamInspector<string>({ holdBackChars: 50, windowChars: 50 });
    state = push(state, { payload: 'answer', text: 'The answer is 42.' }).state;
    state = push(state, { payload: 'tool-start', text: '{"city"', channel: 'tool:0' }).state;
    assert.deepEqual(release(state).emit, []);
    const closed = closeChannel(state, 'text');
    assert.deepEqual(closed.windows, [
      { channel: 'text', text: 'The answer is 42.', offset: 0, final: true },
    ]);
    const out = release(closed.state);
    assert.deepEqual(out.emit, ['answer']);
    assert.deepEqual(closeChannel(out.state, 'text').windows, []);
    assert.deepEqual(closeChannel(out.state, 'nope').windows, []);
    // Text pushed after closing is held back again.
    const reopened = push(out.state, { payload: 'late', text: 'more' }).state;
    assert.deepEqual(release(reopened).emit, []);
    assert.deepEqual(
      finish(reopened).windows.map((w) => [w.channel, w.text]),
      [
        ['text', 'The answer is 42.more'],
        ['tool:0', '{"city"'],
      ],
    );
  });

  test('steps are pure: an earlier state can be stepped again with the same result', () => {
    const s0 = createStreamInspector<string>({ holdBackChars: 2, windowChars: 4 });
    const s1 = push(s0, { payload: 'a', text: 'aaa' }).state;
    const s2a = push(s1, { payload: 'b', text: 'bbb' }).state;
    const s2b = push(s1, { payload: 'c', text: 'c' }).state;
    const s3a = push(s2a, { payload: 'd' }).state;
    assert.deepEqual(release(s1).emit, []);
    assert.deepEqual(release(s2a).emit, ['a']);
    assert.deepEqual(release(s2b).emit, []);
    assert.deepEqual(release(s3a).emit, ['a']);
    assert.deepEqual(release(finish(s2b).state).emit, ['a', 'c']);
    assert.deepEqual(release(finish(s3a).state).emit, ['a', 'b', 'd']);
    assert.deepEqual(push(s1, { payload: 'x', text: 'zz' }).windows, [
      { channel: 'text', text: 'aaazz', offset: 0, final: false },
    ]);
    const released = release(s2a).state;
    assert.deepEqual(release(finish(push(released, { payload: 'e' }).state).state).emit, ['b', 'e']);
    assert.deepEqual(release(finish(s2a).state).emit, ['a', 'b']);
  });

  test('keeps bounded state over 10,000 pushes', () => {
    const options = { holdBackChars: 64, windowChars: 128 };
    let state = createStreamInspector<string>(options);
    const random = seeded(3);
    let total = 0;
    let released = 0;
    for (let i = 0; i < 10_000; i++) {
      const text = 'y'.repeat(1 + random(20));
      total += text.length;
      const channel = i % 10 === 9 ? 'tool:0' : 'text';
      const out = release(push(state, { payload: text, text, channel }).state);
      released += out.emit.length;
      state = out.state;
      const size = streamInspectorSize(state);
      assert.ok(size.retainedChars <= 2 * options.windowChars, `retained ${size.retainedChars} characters`);
      // A held tool item holds back the text items after it until its own channel grows: still bounded.
      assert.ok(size.heldItems <= 200, `held ${size.heldItems} items`);
    }
    assert.ok(total > 50_000);
    assert.ok(released > 9_000);
    assert.ok(state.items.length < 2_100, `the shared item array grew to ${state.items.length}`);
    const rest = release(finish(state).state);
    assert.equal(released + rest.emit.length, 10_000);
    assert.equal(streamInspectorSize(rest.state).heldItems, 0);
  });

  test('rejects options that are not non-negative integers', () => {
    assert.throws(() => createStreamInspector({ holdBackChars: -1, windowChars: 0 }), RangeError);
    assert.throws(() => createStreamInspector({ holdBackChars: 0, windowChars: 1.5 }), RangeError);
  });
});
