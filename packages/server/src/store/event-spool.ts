import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Event } from '@parapet/core';

/**
 * The recorder's on-disk spool: batches the store could not take, one JSON-lines file per batch
 * (`<seq>-<events>-<random>.jsonl`, mode 0600, fsync'd, renamed into place so a crash never leaves half a
 * file), replayed oldest first. Survives restarts: a new spool on the same directory finds the files.
 * One recorder per directory; two sharing one would replay the same files twice, which the stores
 * tolerate (inserts are idempotent) but wastes work.
 */
export interface EventSpool {
  /** Events in the spool, including those being written. */
  readonly events: number;
  /** Bytes in the spool, including those being written. */
  readonly bytes: number;
  /** Number of complete segment files. */
  readonly segments: number;
  /** A sequence number for a batch that may be spooled later, so it keeps its place in the order. */
  reserve(): number;
  /**
   * Writes a batch as one segment. Returns null, writing nothing, when the batch would take the spool
   * over its byte bound (unless `force`); otherwise a promise of the write, which rejects on an I/O error.
   */
  append(events: readonly Event[], options?: { seq?: number; force?: boolean }): Promise<void> | null;
  /** The oldest complete segment, or undefined when the spool is empty. */
  oldest(): SpoolSegment | undefined;
  /** Reads a segment; lines that are not JSON are skipped and counted. */
  read(segment: SpoolSegment): Promise<{ events: Event[]; invalidLines: number }>;
  /** Deletes a segment once its events are stored. */
  remove(segment: SpoolSegment): Promise<void>;
  /** Resolves when no write is in progress. */
  idle(): Promise<void>;
}

/** One spool file. */
export interface SpoolSegment {
  readonly seq: number;
  readonly name: string;
  readonly events: number;
  readonly bytes: number;
}

export interface EventSpoolOptions {
  /** Directory of segment files; created (mode 0700) when missing. */
  dir: string;
  /** Upper bound on the bytes of all segments. */
  maxBytes: number;
}

const SEGMENT_NAME = /^(\d{16})-(\d{1,9})-([0-9a-f]{8})\.jsonl$/;

function compareSegments(a: SpoolSegment, b: SpoolSegment): number {
  return a.seq - b.seq || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * Opens the spool in `dir`, indexing the segments a previous process left (by name, without reading
 * them) and deleting unfinished `.tmp` files. Synchronous: meant for start-up.
 */
export function openEventSpool(options: EventSpoolOptions): EventSpool {
  const { dir, maxBytes } = options;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const segments: SpoolSegment[] = [];
  let nextSeq = 1;
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.tmp')) {
      unlinkSync(join(dir, name));
      continue;
    }
    const match = SEGMENT_NAME.exec(name);
    if (match === null) continue;
    const seq = Number(match[1]);
    segments.push({ seq, name, events: Number(match[2]), bytes: statSync(join(dir, name)).size });
    nextSeq = Math.max(nextSeq, seq + 1);
  }
  segments.sort(compareSegments);
  let events = segments.reduce((n, s) => n + s.events, 0);
  let bytes = segments.reduce((n, s) => n + s.bytes, 0);
  const writing = new Set<Promise<void>>();

  function insert(segment: SpoolSegment): void {
    let i = segments.length;
    while (i > 0 && compareSegments(segments[i - 1] as SpoolSegment, segment) > 0) i--;
    segments.splice(i, 0, segment);
  }

  async function write(name: string, text: string): Promise<void> {
    const final = join(dir, name);
    const temp = `${final}.tmp`;
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, final);
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } catch {
      // Some platforms cannot fsync a directory; the rename is still atomic.
    } finally {
      await dirHandle.close();
    }
  }

  return {
    get events() {
      return events;
    },
    get bytes() {
      return bytes;
    },
    get segments() {
      return segments.length;
    },

    reserve() {
      return nextSeq++;
    },

    append(batch, appendOptions) {
      if (batch.length === 0) return Promise.resolve();
      let text = '';
      for (const event of batch) text += `${JSON.stringify(event)}\n`;
      const size = Buffer.byteLength(text, 'utf8');
      if (appendOptions?.force !== true && bytes + size > maxBytes) return null;
      const seq = appendOptions?.seq ?? nextSeq++;
      const name = `${String(seq).padStart(16, '0')}-${batch.length}-${randomBytes(4).toString('hex')}.jsonl`;
      events += batch.length;
      bytes += size;
      const done = write(name, text).then(
        () => {
          insert({ seq, name, events: batch.length, bytes: size });
        },
        async (error: unknown) => {
          events -= batch.length;
          bytes -= size;
          await unlink(join(dir, `${name}.tmp`)).catch(() => {});
          throw error;
        },
      );
      const tracked = done.then(
        () => {},
        () => {},
      );
      writing.add(tracked);
      void tracked.then(() => writing.delete(tracked));
      return done;
    },

    oldest() {
      return segments[0];
    },

    async read(segment) {
      const text = await readFile(join(dir, segment.name), 'utf8');
      const out: Event[] = [];
      let invalidLines = 0;
      for (const line of text.split('\n')) {
        if (line === '') continue;
        try {
          out.push(JSON.parse(line) as Event);
        } catch {
          invalidLines++;
        }
      }
      return { events: out, invalidLines };
    },

    async remove(segment) {
      const i = segments.indexOf(segment);
      if (i === -1) return;
      segments.splice(i, 1);
      events -= segment.events;
      bytes -= segment.bytes;
      try {
        await unlink(join(dir, segment.name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    },

    async idle() {
      while (writing.size > 0) await Promise.all([...writing]);
    },
  };
}
