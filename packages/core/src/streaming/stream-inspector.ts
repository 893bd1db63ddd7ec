/**
 * The stream inspector: a pure state machine that lets the gateway inspect a streamed response
 * incrementally, holding back a bounded amount of text so that text split across chunks is seen whole
 * before the client gets it.
 *
 * The gateway turns each upstream chunk into a {@link StreamItem}: its payload (whatever the gateway sends
 * on), the text it adds, and the channel that text belongs to (`'text'` for the answer, `'tool:0'` for the
 * arguments of the first tool call, …). Then, per item:
 *
 * 1. `push(state, item)` appends the text to its channel and returns the {@link InspectionWindow} to
 *    inspect now: the new text plus up to `windowChars` characters before it, so a pattern straddling
 *    chunk boundaries is seen whole (provided it is at most `windowChars` + the new text long);
 * 2. the gateway runs its detectors on the window and decides;
 * 3. `release(state)` returns the payloads that may go to the client now.
 *
 * At the end of the stream `finish(state)` returns a final window per channel (`final: true`); after it
 * `release` emits everything still held. `closeChannel(state, channel)` does the same for one channel
 * whose text is known to be complete (for example an Anthropic `content_block_stop`).
 *
 * Release rules:
 * - items are released strictly in arrival order, across all channels;
 * - an item with text is releasable once its channel holds at least `holdBackChars` characters after the
 *   item's last character, or once its channel is closed or the stream finished;
 * - an item without text (or with empty text) is releasable as soon as everything before it is released;
 * - so with `holdBackChars: 0` every item is released by the first `release` after its `push`.
 *
 * To see a pattern of up to N characters whole before any of it reaches the client, use
 * `holdBackChars >= N - 1` and `windowChars >= N - 1`. Because release is in arrival order, an item on one
 * channel also holds back later items of every other channel until its own channel grows or closes.
 *
 * Memory is bounded: per channel the state keeps only the last `windowChars` characters (the context of
 * the next window) and its length, never the whole stream; held items keep their payload and an offset,
 * not their text. Offsets and lengths are UTF-16 code units; a window never starts in the middle of a
 * surrogate pair.
 *
 * Every step is pure: it returns a new state and leaves its input state usable (an older state can be
 * stepped again and gives the same result). Steps never read a clock or perform I/O.
 */

/** Options for {@link createStreamInspector}; both are non-negative integers of UTF-16 code units. */
export interface StreamInspectorOptions {
  /** Characters a channel must hold after an item's last character before that item is released. */
  holdBackChars: number;
  /** Characters of earlier text given before the new text in each window. */
  windowChars: number;
  /**
   * Adaptive hold-back: given a channel's most recent text (up to `windowChars` characters), how many of
   * its last characters must stay held. The hold-back used is the smaller of this and `holdBackChars`.
   * Without it every channel holds `holdBackChars`.
   */
  holdBackFor?: (recent: string) => number;
}

/** One piece of a streamed response, as the gateway hands it to the inspector. */
export interface StreamItem<P> {
  /** What goes to the client once released; the inspector never looks inside. */
  payload: P;
  /** Text this item adds to a channel. */
  text?: string;
  /** Channel key, e.g. `'text'` or `'tool:0'`; default `'text'`. */
  channel?: string;
}

/** Text to inspect now for one channel. */
export interface InspectionWindow {
  channel: string;
  /** Up to `windowChars` characters of context followed by the text that is new since the last window. */
  text: string;
  /** Absolute offset of `text[0]` in the channel (UTF-16 code units from the channel's start). */
  offset: number;
  /** True when no more text will follow on this channel (from `finish` or `closeChannel`). */
  final: boolean;
}

/** What the inspector remembers of one channel. */
export interface ChannelState {
  /** Total characters the channel has received. */
  readonly length: number;
  /** The last (at most) `windowChars` characters of the channel. */
  readonly context: string;
  /** Channel length when it was last closed (every item ending at or before it is releasable), or -1. */
  readonly closedAt: number;
  /** Characters that must follow an item's end before it is released (see `holdBackFor`). */
  readonly holdBack: number;
}

/** A held item: its payload and, when it carried text, where that text ended in its channel. */
interface HeldItem<P> {
  readonly payload: P;
  readonly channel: string;
  /** Channel length after this item's last character; -1 for an item without text. */
  readonly end: number;
}

/**
 * The inspector's state. Treat it as opaque and immutable: step it with {@link push}, {@link release},
 * {@link closeChannel} and {@link finish}; measure it with {@link streamInspectorSize}.
 */
export interface StreamInspectorState<P> {
  readonly options: Readonly<StreamInspectorOptions>;
  readonly channels: ReadonlyMap<string, ChannelState>;
  /**
   * Held items are `items[start..end)`. The array is shared between a state and the states stepped from
   * it: `push` appends in place only when this state's range ends at the array's end (so no other state
   * can see the new slot), and copies otherwise. That keeps steps pure and pushes O(1).
   */
  readonly items: HeldItem<P>[];
  readonly start: number;
  readonly end: number;
  readonly finished: boolean;
}

/** Default channel of an item that does not name one. */
export const DEFAULT_CHANNEL = 'text';

/** Released items kept in the shared array before it is compacted. */
const COMPACT_AFTER = 1024;

function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got \`${String(value)}\``);
  }
}

/** Creates an empty inspector state. Throws a RangeError when an option is not a non-negative integer. */
export function createStreamInspector<P>(options: StreamInspectorOptions): StreamInspectorState<P> {
  checkCount('holdBackChars', options.holdBackChars);
  checkCount('windowChars', options.windowChars);
  return {
    options: Object.freeze({
      holdBackChars: options.holdBackChars,
      windowChars: options.windowChars,
      ...(options.holdBackFor === undefined ? {} : { holdBackFor: options.holdBackFor }),
    }),
    channels: new Map(),
    items: [],
    start: 0,
    end: 0,
    finished: false,
  };
}

/** The last `max` characters of `text`, not starting with the second half of a surrogate pair. */
function lastChars(text: string, max: number): string {
  if (text.length <= max) return text;
  let from = text.length - max;
  const c = text.charCodeAt(from);
  if (c >= 0xdc00 && c <= 0xdfff) from += 1;
  return text.slice(from);
}

/**
 * Appends an item. Returns the window to inspect for its channel when the item carries text (an empty
 * array otherwise). Throws an Error when the state is already finished.
 */
export function push<P>(
  state: StreamInspectorState<P>,
  item: StreamItem<P>,
): { state: StreamInspectorState<P>; windows: InspectionWindow[] } {
  if (state.finished) throw new Error('cannot push to a stream inspector after finish');
  const text = item.text ?? '';
  const channel = item.channel ?? DEFAULT_CHANNEL;
  let channels = state.channels;
  const windows: InspectionWindow[] = [];
  let end = -1;
  if (text.length > 0) {
    const before = channels.get(channel) ?? { length: 0, context: '', closedAt: -1, holdBack: 0 };
    const windowText = before.context + text;
    const length = before.length + text.length;
    end = length;
    windows.push({ channel, text: windowText, offset: before.length - before.context.length, final: false });
    const next = new Map(channels);
    const context = lastChars(
      text.length >= state.options.windowChars ? text : windowText,
      state.options.windowChars,
    );
    const { holdBackChars, holdBackFor } = state.options;
    const holdBack =
      holdBackFor === undefined ? holdBackChars : Math.min(holdBackChars, Math.max(0, holdBackFor(context)));
    next.set(channel, { length, context, closedAt: before.closedAt, holdBack });
    channels = next;
  }
  const held: HeldItem<P> = { payload: item.payload, channel, end };
  let items = state.items;
  let start = state.start;
  if (items.length === state.end) {
    items.push(held);
  } else {
    items = items.slice(start, state.end);
    items.push(held);
    start = 0;
  }
  return { state: { ...state, channels, items, start, end: start + (state.end - state.start) + 1 }, windows };
}

function releasable<P>(state: StreamInspectorState<P>, item: HeldItem<P>): boolean {
  if (item.end < 0 || state.finished) return true;
  const ch = state.channels.get(item.channel);
  if (ch === undefined) return true;
  return item.end <= ch.closedAt || ch.length - item.end >= ch.holdBack;
}

/** Returns, in arrival order, the payloads that may go to the client now, and the state without them. */
export function release<P>(state: StreamInspectorState<P>): { state: StreamInspectorState<P>; emit: P[] } {
  const emit: P[] = [];
  let i = state.start;
  while (i < state.end && releasable(state, state.items[i]!)) {
    emit.push(state.items[i]!.payload);
    i += 1;
  }
  if (emit.length === 0) return { state, emit };
  // Drop references to released payloads now and then, so a long stream does not keep them all.
  if (i >= COMPACT_AFTER && i * 2 >= state.end) {
    return {
      state: { ...state, items: state.items.slice(i, state.end), start: 0, end: state.end - i },
      emit,
    };
  }
  return { state: { ...state, start: i }, emit };
}

function finalWindow(channel: string, ch: ChannelState): InspectionWindow {
  return { channel, text: ch.context, offset: ch.length - ch.context.length, final: true };
}

/**
 * Marks one channel's text as complete: returns its final window (the last `windowChars` characters,
 * `final: true`) and makes its held items releasable regardless of the hold-back. Text pushed to the
 * channel later is held back again as usual. A channel that never received text gives no window.
 */
export function closeChannel<P>(
  state: StreamInspectorState<P>,
  channel: string,
): { state: StreamInspectorState<P>; windows: InspectionWindow[] } {
  const ch = state.channels.get(channel);
  if (ch === undefined || ch.closedAt === ch.length) return { state, windows: [] };
  const channels = new Map(state.channels);
  channels.set(channel, { ...ch, closedAt: ch.length });
  return { state: { ...state, channels }, windows: [finalWindow(channel, ch)] };
}

/**
 * Ends the stream: returns a final window for every channel that received text and was not closed since,
 * and marks the state finished, so the next `release` emits every held item. Finishing twice gives no
 * more windows.
 */
export function finish<P>(state: StreamInspectorState<P>): {
  state: StreamInspectorState<P>;
  windows: InspectionWindow[];
} {
  if (state.finished) return { state, windows: [] };
  const windows: InspectionWindow[] = [];
  for (const [channel, ch] of state.channels) {
    if (ch.closedAt !== ch.length) windows.push(finalWindow(channel, ch));
  }
  return { state: { ...state, finished: true }, windows };
}

/** How much the state holds: characters of context kept over all channels, and items not yet released. */
export function streamInspectorSize<P>(state: StreamInspectorState<P>): {
  retainedChars: number;
  heldItems: number;
} {
  let retainedChars = 0;
  for (const ch of state.channels.values()) retainedChars += ch.context.length;
  return { retainedChars, heldItems: state.end - state.start };
}
