import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createMetrics,
  createRegistry,
  createValueCap,
  OVERFLOW_LABEL_VALUE,
} from '../../src/observability/metrics.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Exposition {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: Sample[];
}

/** A strict parser for the text exposition format 0.0.4, enough to read back what render() writes. */
function parseExposition(text: string): Exposition {
  assert.ok(text.endsWith('\n'), 'output ends with a line feed');
  const out: Exposition = { help: new Map(), type: new Map(), samples: [] };
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) {
      const rest = line.slice(7);
      const space = rest.indexOf(' ');
      out.help.set(
        rest.slice(0, space),
        rest
          .slice(space + 1)
          .replace(/\\n/g, '\n')
          .replace(/\\\\/g, '\\'),
      );
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      out.type.set(name!, type!);
      continue;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    assert.ok(nameMatch, `sample line starts with a metric name: ${line}`);
    const name = nameMatch[0];
    let i = name.length;
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(i));
        assert.ok(labelMatch, `label at ${i} in ${line}`);
        i += labelMatch[0].length;
        let value = '';
        while (line[i] !== '"') {
          if (line[i] === '\\') {
            const next = line[i + 1];
            assert.ok(next === '\\' || next === '"' || next === 'n', `valid escape in ${line}`);
            value += next === 'n' ? '\n' : next;
            i += 2;
          } else {
            assert.ok(i < line.length, `unterminated label value in ${line}`);
            value += line[i];
            i++;
          }
        }
        labels[labelMatch[1]!] = value;
        i++;
        if (line[i] === ',') i++;
      }
      i++;
    }
    assert.equal(line[i], ' ', `one space before the value in ${line}`);
    const raw = line.slice(i + 1);
    const value = raw === '+Inf' ? Number.POSITIVE_INFINITY : Number(raw);
    assert.ok(!Number.isNaN(value), `numeric value in ${line}`);
    out.samples.push({ name, labels, value });
  }
  return out;
}

function find(exposition: Exposition, name: string, labels: Record<string, string>): Sample[] {
  return exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

describe('metrics registry', () => {
  test('counters and gauges render HELP, TYPE and one line per label set', () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'demo_total', help: 'Demo counter.', labelNames: ['a', 'b'] });
    const gauge = registry.gauge({ name: 'demo_level', help: 'Demo gauge.', labelNames: [] });
    counter.inc({ a: 'x', b: 1 });
    counter.inc({ a: 'x', b: 1 }, 2.5);
    counter.inc({ a: 'y', b: 'z' });
    counter.inc({ a: 'y', b: 'z' }, -4);
    gauge.set({}, 7);
    gauge.dec({}, 2);
    const parsed = parseExposition(registry.render());
    assert.equal(parsed.type.get('demo_total'), 'counter');
    assert.equal(parsed.type.get('demo_level'), 'gauge');
    assert.equal(parsed.help.get('demo_total'), 'Demo counter.');
    assert.deepEqual(find(parsed, 'demo_total', { a: 'x' }), [
      { name: 'demo_total', labels: { a: 'x', b: '1' }, value: 3.5 },
    ]);
    assert.equal(find(parsed, 'demo_total', { a: 'y' })[0]?.value, 1, 'negative increments are ignored');
    assert.deepEqual(find(parsed, 'demo_level', {}), [{ name: 'demo_level', labels: {}, value: 5 }]);
  });

  test('label values with backslash, quote and newline are escaped and read back unchanged', () => {
    const registry = createRegistry();
    const counter = registry.counter({
      name: 'escape_total',
      help: 'Help with \\ and\nnewline.',
      labelNames: ['v'],
    });
    const nasty = 'a\\b"c\nd}e,f="g';
    counter.inc({ v: nasty });
    const text = registry.render();
    assert.equal(text.split('\n').filter((l) => l.startsWith('escape_total')).length, 1, 'one physical line');
    const parsed = parseExposition(text);
    assert.equal(parsed.samples[0]?.labels['v'], nasty);
    assert.equal(parsed.help.get('escape_total'), 'Help with \\ and\nnewline.');
  });

  test('histogram buckets are cumulative, end with +Inf and agree with _count and _sum', () => {
    const registry = createRegistry();
    const histogram = registry.histogram({
      name: 'latency_seconds',
      help: 'Latency.',
      labelNames: ['route'],
      buckets: [0.1, 0.5, 1],
    });
    for (const v of [0.05, 0.1, 0.3, 0.7, 2, 5]) histogram.observe({ route: 'chat' }, v);
    histogram.observe({ route: 'chat' }, Number.NaN);
    const parsed = parseExposition(registry.render());
    assert.equal(parsed.type.get('latency_seconds'), 'histogram');
    const buckets = find(parsed, 'latency_seconds_bucket', { route: 'chat' });
    assert.deepEqual(
      buckets.map((b) => [b.labels['le'], b.value]),
      [
        ['0.1', 2],
        ['0.5', 3],
        ['1', 4],
        ['+Inf', 6],
      ],
    );
    assert.equal(find(parsed, 'latency_seconds_count', { route: 'chat' })[0]?.value, 6);
    assert.ok(Math.abs(find(parsed, 'latency_seconds_sum', { route: 'chat' })[0]!.value - 8.15) < 1e-9);
  });

  test('rejects invalid names, duplicate metrics and a histogram `le` label', () => {
    const registry = createRegistry();
    assert.throws(
      () => registry.counter({ name: 'bad-name', help: 'x', labelNames: [] }),
      /invalid metric name/,
    );
    assert.throws(
      () => registry.counter({ name: 'ok_total', help: 'x', labelNames: ['bad-label'] }),
      /invalid label/,
    );
    assert.throws(
      () => registry.histogram({ name: 'h', help: 'x', labelNames: ['le'], buckets: [1] }),
      /reserved/,
    );
    assert.throws(
      () => registry.histogram({ name: 'h2', help: 'x', labelNames: [], buckets: [2, 1] }),
      /increasing/,
    );
    registry.gauge({ name: 'once', help: 'x', labelNames: [] });
    assert.throws(() => registry.gauge({ name: 'once', help: 'x', labelNames: [] }), /already registered/);
  });

  test('a value cap folds values beyond the limit into `other`', () => {
    const cap = createValueCap(2);
    assert.deepEqual(
      ['a', 'b', 'c', 'a', 'd', 'b'].map((v) => cap.apply(v)),
      ['a', 'b', 'other', 'a', 'other', 'b'],
    );
  });
});

describe('gateway metrics', () => {
  test('exposes the gateway metrics, process gauges and request observations', () => {
    const metrics = createMetrics();
    try {
      metrics.observeRequest({
        route: 'chat.completions',
        provider: 'openai',
        model: 'gpt-4o',
        decision: 'allow',
        status: 'success',
        totalMs: 120,
        overheadMs: 1.5,
        upstreamTtfbMs: 80,
        upstreamTotalMs: 118.5,
      });
      metrics.upstreamResponses.inc({ provider: 'openai', status_code: 200 });
      let dropped = 3;
      metrics.bindRecorder(() => ({ queued: 4, spooled: { events: 2 }, dropped }));
      metrics.render();
      dropped = 5;
      const parsed = parseExposition(metrics.render());
      assert.equal(
        find(parsed, 'parapet_requests_total', {
          route: 'chat.completions',
          model: 'gpt-4o',
          decision: 'allow',
        })[0]?.value,
        1,
      );
      assert.equal(
        find(parsed, 'parapet_request_duration_seconds_count', { provider: 'openai' })[0]?.value,
        1,
      );
      assert.equal(
        find(parsed, 'parapet_request_duration_seconds_sum', { provider: 'openai' })[0]?.value,
        0.12,
      );
      assert.equal(find(parsed, 'parapet_upstream_ttfb_seconds_count', { model: 'gpt-4o' })[0]?.value, 1);
      assert.equal(find(parsed, 'parapet_upstream_duration_seconds_count', { model: 'gpt-4o' })[0]?.value, 1);
      assert.equal(
        find(parsed, 'parapet_gateway_overhead_seconds_sum', { route: 'chat.completions' })[0]?.value,
        0.0015,
      );
      assert.equal(find(parsed, 'parapet_upstream_responses_total', { status_code: '200' })[0]?.value, 1);
      assert.equal(find(parsed, 'parapet_events_queued', {})[0]?.value, 4);
      assert.equal(find(parsed, 'parapet_events_spooled', {})[0]?.value, 2);
      assert.equal(find(parsed, 'parapet_events_dropped_total', {})[0]?.value, 5);
      assert.ok(find(parsed, 'process_resident_memory_bytes', {})[0]!.value > 0);
      assert.ok(find(parsed, 'nodejs_heap_size_used_bytes', {})[0]!.value > 0);
      assert.equal(parsed.type.get('nodejs_eventloop_delay_p99_seconds'), 'gauge');
    } finally {
      metrics.close();
    }
  });

  test('more than 200 distinct models fold into `other`, shared across metrics', () => {
    const metrics = createMetrics({ processMetrics: false });
    for (let i = 0; i < 250; i++) {
      const model = `model-${i}`;
      metrics.requests.inc({
        route: 'chat.completions',
        provider: 'p',
        model,
        decision: 'allow',
        status: 'success',
      });
      metrics.upstreamTtfb.observe({ provider: 'p', model }, 0.01);
    }
    const parsed = parseExposition(metrics.render());
    const requestSeries = parsed.samples.filter((s) => s.name === 'parapet_requests_total');
    const models = new Set(requestSeries.map((s) => s.labels['model']));
    assert.equal(models.size, 201);
    assert.ok(models.has('model-199'));
    assert.ok(!models.has('model-200'));
    assert.equal(find(parsed, 'parapet_requests_total', { model: OVERFLOW_LABEL_VALUE })[0]?.value, 50);
    assert.equal(
      find(parsed, 'parapet_upstream_ttfb_seconds_count', { model: OVERFLOW_LABEL_VALUE })[0]?.value,
      50,
    );
    assert.equal(find(parsed, 'parapet_upstream_ttfb_seconds_count', { model: 'model-0' })[0]?.value, 1);
  });
});
