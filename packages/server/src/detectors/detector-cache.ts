import { createHash } from 'node:crypto';
import type { Detector, Finding, Segment } from '@parapet/core';

export interface DetectorCacheOptions {
  /** Entries kept (least recently used go first). */
  maxEntries: number;
  /** Segments shorter than this are not worth hashing and are always inspected. */
  minChars: number;
}

/**
 * Wraps a detector with a per-segment result cache keyed by the SHA-256 of the segment's direction, source
 * and text. Conversations re-send the system prompt and the whole history on every turn; those segments
 * are answered from the cache and only new text is inspected. Findings are stored relative to their segment
 * and re-pointed at the segment's index on the way out. Failures are never cached.
 */
export function withDetectorCache(detector: Detector, options: DetectorCacheOptions): Detector {
  const cache = new Map<string, readonly Finding[]>();
  return {
    id: detector.id,
    family: detector.family,
    ...(detector.ready === undefined ? {} : { ready: () => detector.ready!() }),
    inspect(segments, ctx) {
      const hits: Finding[] = [];
      const misses: Segment[] = [];
      const keys = new Map<number, string>();
      for (const s of segments) {
        if (s.text.length < options.minChars) {
          misses.push(s);
          continue;
        }
        const key = createHash('sha256')
          .update(`${ctx.direction}\u0000${s.source}\u0000`)
          .update(s.text)
          .digest('base64');
        const cached = cache.get(key);
        if (cached === undefined) {
          keys.set(s.index, key);
          misses.push(s);
          continue;
        }
        cache.delete(key);
        cache.set(key, cached);
        for (const f of cached) hits.push({ ...f, segment: s.index });
      }
      if (misses.length === 0) return hits;
      const settle = (found: Finding[]): Finding[] => {
        const bySegment = new Map<number, Finding[]>();
        for (const f of found) {
          if (f.segment === null) continue;
          const list = bySegment.get(f.segment);
          if (list === undefined) bySegment.set(f.segment, [f]);
          else list.push(f);
        }
        for (const [index, key] of keys) {
          cache.set(key, bySegment.get(index) ?? []);
          if (cache.size > options.maxEntries) cache.delete(cache.keys().next().value as string);
        }
        return hits.length === 0 ? found : [...hits, ...found];
      };
      const result = detector.inspect(misses, ctx);
      // Synchronous detectors stay synchronous (no promise, no timer in the runner).
      return Array.isArray(result) ? settle(result) : result.then(settle);
    },
  };
}
