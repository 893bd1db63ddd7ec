/** One Server-Sent Event, as decoded from or encoded to `text/event-stream`. */
export interface SseEvent {
  /** The `event:` field; absent means the default `message`. */
  event?: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  id?: string;
  retry?: number;
}
