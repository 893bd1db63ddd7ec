/** Small builders shared by the redaction tests. */
import { createHmac } from 'node:crypto';
import type { Finding } from '../../src/model/finding.ts';
import type { Segment } from '../../src/model/segment.ts';

/** Segments with the given texts, indexed 0, 1, … */
export function segmentsOf(...texts: string[]): Segment[] {
  return texts.map((text, index) => ({ index, source: 'user', path: `messages[${index}].content[0]`, text }));
}

/** A pii finding of `type` at `[start, end)` of segment `segment`. */
export function finding(segment: number, start: number, end: number, type = 'EMAIL_ADDRESS'): Finding {
  return { family: 'pii', type, score: 0.9, segment, span: { start, end }, detector: 'test' };
}

/** A finding covering the first occurrence of `value` in `text` (segment `segment`). */
export function findingOf(text: string, value: string, type: string, segment = 0): Finding {
  const start = text.indexOf(value);
  if (start < 0) throw new Error('value not in text');
  return finding(segment, start, start + value.length, type);
}

/** The keyed hash the server supplies: HMAC-SHA-256, hex. */
export function hmac(value: string): string {
  return createHmac('sha256', 'test-key').update(value).digest('hex');
}
