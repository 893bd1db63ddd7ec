/**
 * A streamed answer of the admin API (exports): a route returns one instead of a JSON value and the
 * handler sends its chunks as they come, with backpressure, instead of one JSON body. A failure after the
 * first chunk can only cut the connection (the status is already sent), which the client sees as a
 * truncated download.
 */
import type { ServerResponse } from 'node:http';

/** Bytes gathered before a write, so small rows do not cost one syscall each. */
const CHUNK_CHARS = 64 * 1024;

export class StreamedAnswer {
  constructor(
    /** `content-type` of the answer. */
    readonly contentType: string,
    /** The text, in pieces of any size. */
    readonly body: AsyncIterable<string>,
    /** More headers (`content-disposition`). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}

  /** Sends the answer: headers first, then the pieces; stops reading when the client goes away. */
  async send(res: ServerResponse, status: number): Promise<void> {
    const iterator = this.body[Symbol.asyncIterator]();
    // Read the first piece before the status line, so an error there is still a proper error answer.
    let first = await iterator.next();
    res.writeHead(status, {
      'content-type': this.contentType,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...this.headers,
    });
    let pending = '';
    let gone = false;
    const onClose = () => {
      gone = true;
    };
    res.once('close', onClose);
    try {
      while (!first.done && !gone) {
        pending += first.value;
        if (pending.length >= CHUNK_CHARS) {
          const flushed = res.write(pending);
          pending = '';
          if (!flushed && !gone) await drainedOrClosed(res);
        }
        first = await iterator.next();
      }
      if (gone) {
        await iterator.return?.();
        return;
      }
      res.end(pending);
    } finally {
      res.off('close', onClose);
    }
  }
}

/** Resolves when the response can take more, or is closed. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
