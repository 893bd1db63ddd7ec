/**
 * A piece of text to inspect, labelled with where it came from. Input inspection sees every message
 * (system, user, assistant, tool results, retrieved documents); output inspection sees every output.
 */
export const SEGMENT_SOURCES = [
  'system',
  'user',
  'assistant',
  'tool_call',
  'tool_result',
  'retrieved_document',
  'completion',
  'embedding_input',
] as const;
export type SegmentSource = (typeof SEGMENT_SOURCES)[number];

export interface Segment {
  /** Position in the inspected list; findings point back here. */
  index: number;
  source: SegmentSource;
  /** Where in the neutral interaction this text lives, e.g. `messages[2].content[0]`. */
  path: string;
  text: string;
}

export type Direction = 'input' | 'output';
