/**
 * A streamed answer of the admin API (exports, server-sent events): a route returns one instead of a JSON
 * value and the handler sends its chunks as they come, with backpressure, instead of one JSON body. A
 * failure after the first chunk can only cut the connection (the status is already sent), which the
 * client sees as a truncated download.
 */
import type { ServerResponse } from 'node:http';

/** Bytes gathered before a write, so small rows do not cost one syscall each. */
const CHUNK_CHARS = 64 * 1024;

export interface StreamOptions {
  /**
   * Write each piece as soon as it comes instead of gathering 64 KiB (server-sent events: an event must
   * reach the client at once).
   */
  flushEachPiece?: boolean;
  /**
   * Called once when the client goes away before the end, so a body that waits between pieces (a poll
   * loop) can stop at once instead of at its next piece.
   */
  onClientGone?: () => void;
}

export class StreamedAnswer {
  constructor(
    /** `content-type` of the answer. */
    readonly contentType: string,
    /** The text, in pieces of any size. */
    readonly body: AsyncIterable<string>,
    /** More headers (`content-disposition`). */
    readonly headers: Readonly<Record<string, string>> = {},
    readonly options: StreamOptions = {},
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
    const threshold = this.options.flushEachPiece === true ? 1 : CHUNK_CHARS;
    const onClose = () => {
      // 'close' also follows a normal end; only a close before it means the client went away.
      if (res.writableEnded) return;
      gone = true;
      this.options.onClientGone?.();
    };
    res.once('close', onClose);
    // Gone while the first piece was read: 'close' has already been emitted.
    if (res.destroyed) onClose();
    try {
      while (!first.done && !gone) {
        pending += first.value;
        if (pending.length >= threshold) {
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
