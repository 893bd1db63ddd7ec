/**
 * The SIEM sink's content redactor: the same masked view of an event the admin API's event detail shows
 * (admin/events/content-view.ts): the stored redacted segments, or encrypted content decrypted here and
 * every finding's span replaced by `[TYPE]`. A direction whose text cannot be matched with its findings
 * is withheld, never sent with a mask in the wrong place.
 */
import { redactedView } from '../admin/events/content-view.ts';
import type { ContentRedactor } from './record.ts';

/** A redactor reading encrypted content with `contentKey` (null: only `redacted` content is sent). */
export function createContentRedactor(contentKey: Uint8Array | null): ContentRedactor {
  return (event) => {
    const view = redactedView(event, contentKey);
    if (!view.available) return null;
    const strip = (segments: typeof view.input) =>
      segments.map((s) => ({ source: s.source, path: s.path, text: s.text }));
    return { input: strip(view.input), output: strip(view.output), withheld: view.withheld };
  };
}
