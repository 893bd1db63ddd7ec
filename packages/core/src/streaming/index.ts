// Streaming primitives: incremental SSE decoding and encoding, and the stream inspection state machine.
// Pure code (no I/O, no clock, no timers); imports nothing outside this folder.
export * from './sse-decoder.ts';
export * from './sse-encoder.ts';
export type * from './sse-event.ts';
export * from './stream-inspector.ts';
/**
 * The inspector's steps under one name, for callers who prefer it to the generic top-level `push`,
 * `release` and `finish`: `streamInspector.push(state, item)`, `streamInspector.release(state)`, …
 */
export * as streamInspector from './stream-inspector.ts';
