/**
 * The pure parts of the events API: masking with highlights (the same text as the gateway's
 * maskFindings, checked on random spans), highlights of already-masked text, the redacted preview, CSV
 * cells and NDJSON lines, query words.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Event, type Finding, PREVIEW_SIDE_CHARS, type Segment } from '@parapet/core';
import {
  type FindingView,
  findingViews,
  maskSegment,
  placeholderHighlights,
  redactedView,
} from '../../src/admin/events/content-view.ts';
import { csvCell, safeJsonLine } from '../../src/admin/events/export.ts';
import { eventPreview, maskFindings } from '../../src/gateway/event-draft.ts';
import { encryptContent } from '../../src/store/content-crypto.ts';
import { eventAction, queryWords, searchWords } from '../../src/store/event-search-index.ts';
import { makeEvent } from '../store/store-fixtures.ts';

function view(f: Finding, index: number, direction: 'input' | 'output' = 'input'): FindingView {
  return { ...f, direction, index, ruleIds: [] };
}

function pii(start: number, end: number, type = 'EMAIL_ADDRESS', segment = 0): Finding {
  return { family: 'pii', type, score: 0.9, segment, span: { start, end }, detector: 'test' };
}

/** A small deterministic generator, so failures can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('masking with highlights', () => {
  test('the masked text is exactly maskFindings’, and each finding sits on its placeholder (random spans)', () => {
    const rnd = random(42);
    for (let round = 0; round < 2000; round++) {
      const length = Math.floor(rnd() * 40);
      const text = Array.from({ length }, () => 'abcdefgh ✓'[Math.floor(rnd() * 10)]).join('');
      const segment: Segment = { index: 0, source: 'user', path: 'p', text };
      const findings: Finding[] = Array.from({ length: Math.floor(rnd() * 5) }, () => {
        const start = Math.floor(rnd() * (length + 3));
        const end = start + Math.floor(rnd() * 8) - 1;
        return pii(start, Math.max(0, end), rnd() < 0.5 ? 'A' : 'LONG_TYPE', rnd() < 0.9 ? 0 : 1);
      });
      const views = findings.map((f, i) => view(f, i));
      const masked = maskSegment(segment, views);
      assert.equal(masked.text, maskFindings(segment, findings), JSON.stringify({ text, findings }));
      // Each placeholder is its first finding's `[TYPE]`; findings inside an already masked span share it.
      const owners = new Map<number, number>();
      for (const h of masked.highlights) if (!owners.has(h.start)) owners.set(h.start, h.finding);
      for (const h of masked.highlights) {
        assert.equal(masked.text.slice(h.start, h.end), `[${findings[owners.get(h.start)!]!.type}]`);
      }
      // Every finding with a non-empty span in this segment is highlighted once.
      const shown = findings.filter(
        (f) => f.segment === 0 && f.span !== null && f.span.start < Math.min(f.span.end, length),
      ).length;
      assert.equal(masked.highlights.length, shown);
      // Read back from the masked text alone (spans inside the text, as detectors give them), the same.
      if (findings.some((f) => f.span !== null && f.segment === 0 && f.span.end > length)) continue;
      assert.deepEqual(
        placeholderHighlights(0, masked.text, views).map((h) => [h.start, h.end, h.finding]),
        masked.highlights.map((h) => [h.start, h.end, h.finding]),
      );
    }
  });

  test('highlights of stored masked text: none when the placeholders are not where the findings say', () => {
    const views = [view(pii(6, 23), 0)];
    assert.deepEqual(placeholderHighlights(0, 'write [EMAIL_ADDRESS] now', views).length, 1);
    assert.deepEqual(placeholderHighlights(0, 'write alice@example.com now', views), []);
    // A span past the end of the text was dropped by the masking: the next one still lines up.
    const both = [view(pii(0, 5, 'A'), 0), view(pii(40, 45, 'B'), 1), view(pii(6, 9, 'C'), 2)];
    assert.deepEqual(
      placeholderHighlights(0, '[A] [C] end', both).map((h) => [h.start, h.end, h.finding]),
      [
        [0, 3, 0],
        [4, 7, 2],
      ],
    );
  });

  test('the rules of a finding: the deciding rule when it lists the finding, and redact rules', () => {
    const event = makeEvent('e1');
    const views = findingViews(event);
    assert.deepEqual(views.input[0]?.ruleIds, ['mask-pii']);
    assert.deepEqual(views.output[0]?.ruleIds, []);
  });
});

describe('the redacted view of encrypted content', () => {
  const key = new Uint8Array(32).fill(7);
  const body = { model: 'm', messages: [{ role: 'user', content: 'mail bob@example.com now' }] };
  const finding = pii(5, 20);

  test('a streamed answer without stored segments is withheld when the event found anything', () => {
    const event: Event = makeEvent('e2', {
      findings: { input: [finding], output: [] },
      content: encryptContent(
        key,
        JSON.stringify({ request: body, response: { streamed: true, text: 'bob@example.com' } }),
      ),
    });
    const v = redactedView(event, key);
    assert.ok(v.available);
    if (!v.available) return;
    assert.deepEqual(v.withheld, ['output']);
    assert.deepEqual(v.output, []);
    assert.equal(v.input[0]?.text, 'mail [EMAIL_ADDRESS] now');
    assert.ok(!JSON.stringify(v).includes('bob@example.com'));
  });

  test('stored output segments are masked by index', () => {
    const event: Event = makeEvent('e3', {
      findings: { input: [finding], output: [pii(0, 15, 'EMAIL_ADDRESS', 1)] },
      content: encryptContent(
        key,
        JSON.stringify({
          request: body,
          response: { streamed: true, text: 'ok' },
          outputSegments: [
            { index: 0, source: 'completion', path: 'aux', text: 'thinking' },
            { index: 1, source: 'completion', path: 'text', text: 'bob@example.com is it' },
          ],
        }),
      ),
    });
    const v = redactedView(event, key);
    assert.ok(v.available);
    if (v.available)
      assert.deepEqual(
        v.output.map((s) => s.text),
        ['thinking', '[EMAIL_ADDRESS] is it'],
      );
  });

  test('without the key, or with another, nothing is shown', () => {
    const event: Event = makeEvent('e4', { content: encryptContent(key, JSON.stringify({ request: body })) });
    assert.deepEqual(redactedView(event, null), { available: false, reason: 'no_key' });
    assert.deepEqual(redactedView(event, new Uint8Array(32).fill(1)), {
      available: false,
      reason: 'unreadable',
    });
    assert.deepEqual(redactedView(makeEvent('e5', { contentMode: 'none', content: null }), key), {
      available: false,
      reason: 'not_stored',
    });
  });
});

describe('the redacted preview', () => {
  const seg = (index: number, source: Segment['source'], text: string): Segment => ({
    index,
    source,
    path: `p${index}`,
    text,
  });

  test('masks every finding, puts the latest message first, leaves system prompts and assistant turns out', () => {
    const preview = eventPreview(
      {
        segments: [
          seg(0, 'system', 'you are helpful'),
          seg(1, 'user', 'first question'),
          seg(2, 'assistant', 'first answer'),
          seg(3, 'user', 'mail bob@example.com'),
        ],
        findings: [pii(5, 20, 'EMAIL_ADDRESS', 3)],
      },
      { segments: [seg(0, 'completion', 'sent to bob@example.com')], findings: [pii(8, 23)] },
    );
    assert.deepEqual(preview, {
      input: 'mail [EMAIL_ADDRESS]\nfirst question',
      output: 'sent to [EMAIL_ADDRESS]',
    });
  });

  test('a scan of an output: its findings mask the scanned text', () => {
    const preview = eventPreview(
      { segments: [seg(0, 'completion', 'key AKIAIOSFODNN7EXAMPLE')], findings: [] },
      { segments: [], findings: [{ ...pii(4, 24, 'AWS_ACCESS_KEY'), family: 'secrets' }] },
    );
    assert.equal(preview?.input, 'key [AWS_ACCESS_KEY]');
  });

  test('bounded, never splitting a surrogate pair; null when there is no text', () => {
    const long = `${'a'.repeat(PREVIEW_SIDE_CHARS - 1)}😀 and more`;
    const preview = eventPreview(
      { segments: [seg(0, 'user', long)], findings: [] },
      { segments: [], findings: [] },
    );
    assert.equal(preview?.input, `${'a'.repeat(PREVIEW_SIDE_CHARS - 1)}\u2026`);
    assert.equal(eventPreview({ segments: [], findings: [] }, { segments: [], findings: [] }), null);
  });
});

describe('export cells and lines', () => {
  test('CSV: formulas neutralised, quotes doubled, separators quoted', () => {
    assert.equal(csvCell('=1+1'), "'=1+1");
    assert.equal(csvCell('+33 1 23'), "'+33 1 23");
    assert.equal(csvCell('-x'), "'-x");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('\tx'), "'\tx");
    assert.equal(csvCell('=HYPERLINK("a","b")'), `"'=HYPERLINK(""a"",""b"")"`);
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
    assert.equal(csvCell('<script>alert(1)</script>'), '<script>alert(1)</script>');
    assert.equal(csvCell(-1.5), '-1.5');
    assert.equal(csvCell(null), '');
  });

  test('NDJSON: markup characters escaped, the same value parsed back', () => {
    const value = { text: '<script>alert("x") && </script>\u2028' };
    const line = safeJsonLine(value);
    assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
    assert.ok(!/[<>&\u2028]/.test(line));
    assert.deepEqual(JSON.parse(line), value);
  });
});

describe('search words and actions', () => {
  test('words: letters and digits, lower case, no accents, each once', () => {
    assert.deepEqual(searchWords('Écrire à [EMAIL_ADDRESS], Straße 42 — écrire'), [
      'ecrire',
      'a',
      'email',
      'address',
      'straße',
      '42',
    ]);
  });

  test('query words: `*` makes a prefix from 3 characters', () => {
    assert.deepEqual(queryWords('Kube* ta* "exact"'), [
      { word: 'kube', prefix: true },
      { word: 'ta', prefix: false },
      { word: 'exact', prefix: false },
    ]);
  });

  test('the action of an event is its analytics outcome', () => {
    assert.equal(eventAction(makeEvent('a')), 'redacted');
    assert.equal(eventAction({ decision: { input: null, output: null } }), 'none');
  });
});
