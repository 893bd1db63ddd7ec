import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** The `Content-Type` of {@link Metrics.render}'s output (Prometheus text exposition format 0.0.4). */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Distinct `model` label values kept before new ones are folded into {@link OVERFLOW_LABEL_VALUE}. */
export const MAX_MODEL_LABEL_VALUES = 200;

/** Label series kept per metric before new ones are folded into one all-`other` series (a safety net). */
export const MAX_SERIES_PER_METRIC = 10_000;

/** The label value that stands for every value beyond a cardinality cap. */
export const OVERFLOW_LABEL_VALUE = 'other';

/** Default histogram buckets for request and upstream durations, in seconds. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];

/** Default histogram buckets for the gateway's own overhead, in seconds (0.1 ms to 1 s). */
export const OVERHEAD_BUCKETS_SECONDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

/** Label values of one observation: one string (or number) per declared label name. */
export type Labels<L extends string> = { readonly [K in L]: string | number };

/** A monotonically increasing count. */
export interface Counter<L extends string = never> {
  readonly name: string;
  /** Adds `value` (default 1, must be ≥ 0; negative and non-finite values are ignored). */
  inc(labels: Labels<L>, value?: number): void;
}

/** A value that goes up and down. */
export interface Gauge<L extends string = never> {
  readonly name: string;
  set(labels: Labels<L>, value: number): void;
  inc(labels: Labels<L>, value?: number): void;
  dec(labels: Labels<L>, value?: number): void;
}

/** A distribution of observed values over fixed buckets. */
export interface Histogram<L extends string = never> {
  readonly name: string;
  /** Records one observation; non-finite values are ignored. */
  observe(labels: Labels<L>, value: number): void;
}

/**
 * Caps the number of distinct values one label takes. Share one cap between metrics so they agree on
 * which values became `other`.
 */
export interface ValueCap {
  /** The value itself while fewer than `max` distinct values were seen (or it was seen before), else `other`. */
  apply(value: string): string;
}

interface MetricOptions<L extends string> {
  /** Metric name, `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
  name: string;
  /** One-line description for the HELP line. */
  help: string;
  /** The fixed label names, in the order they are rendered. */
  labelNames: readonly L[];
  /** Per-label cardinality caps. */
  caps?: { readonly [K in L]?: ValueCap };
}

/** Options of {@link MetricsRegistry.histogram}. */
export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds, strictly increasing; `+Inf` is added. */
  buckets: readonly number[];
}

/** A set of metrics rendered together. */
export interface MetricsRegistry {
  counter<const L extends string = never>(options: MetricOptions<L>): Counter<L>;
  gauge<const L extends string = never>(options: MetricOptions<L>): Gauge<L>;
  histogram<const L extends string = never>(options: HistogramOptions<L>): Histogram<L>;
  /** Runs `collect` before each render (to refresh gauges from their source). */
  onRender(collect: () => void): void;
  /** Every metric in Prometheus text exposition format 0.0.4. */
  render(): string;
}

/** The gateway's metrics, as typed fields, on top of a registry. */
export interface Metrics extends MetricsRegistry {
  requests: Counter<'route' | 'provider' | 'model' | 'decision' | 'status'>;
  requestDuration: Histogram<'route' | 'provider' | 'model'>;
  upstreamTtfb: Histogram<'provider' | 'model'>;
  upstreamDuration: Histogram<'provider' | 'model'>;
  upstreamResponses: Counter<'provider' | 'status_code'>;
  overhead: Histogram<'route'>;
  eventsQueued: Gauge;
  eventsSpooled: Gauge;
  eventsDropped: Counter;
  /**
   * Records one finished request: `requests`, `requestDuration`, `overhead`, and the upstream
   * histograms when the upstream was reached. Times are in milliseconds.
   */
  observeRequest(request: RequestObservation): void;
  /** Refreshes `eventsQueued`, `eventsSpooled` and `eventsDropped` from the event recorder at render. */
  bindRecorder(stats: () => RecorderCounts): void;
  /** Stops the event-loop delay monitor. Idempotent. */
  close(): void;
}

/** The gateway's metrics; the name the composition root uses. */
export type GatewayMetrics = Metrics;

/** One finished request, as {@link Metrics.observeRequest} records it. */
export interface RequestObservation {
  route: string;
  provider: string;
  model: string;
  decision: string;
  status: string;
  totalMs: number;
  overheadMs: number;
  upstreamTtfbMs: number | null;
  upstreamTotalMs: number | null;
}

/** What the metrics read from the event recorder (its `stats()`). */
export interface RecorderCounts {
  queued: number;
  spooled: { events: number };
  /** Cumulative count of dropped events. */
  dropped: number;
}

/** Options of {@link createMetrics}. */
export interface CreateMetricsOptions {
  /** Distinct `model` values kept per registry (default {@link MAX_MODEL_LABEL_VALUES}). */
  maxModelValues?: number;
  /** Process gauges (memory, heap, event-loop delay); default true. */
  processMetrics?: boolean;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Separates label values inside a series key; a value containing it is escaped first. */
const KEY_SEPARATOR = '\u0001';

/** Creates a cap that keeps at most `max` distinct values. */
export function createValueCap(max: number): ValueCap {
  const seen = new Set<string>();
  return {
    apply(value) {
      if (seen.has(value)) return value;
      if (seen.size >= max) return OVERFLOW_LABEL_VALUE;
      seen.add(value);
      return value;
    },
  };
}

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
}

/** Formats a sample value as Prometheus expects (`+Inf`, `-Inf`, `NaN`). */
function formatNumber(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

interface Series<S> {
  /** Rendered `name="value",…` without braces. */
  readonly labelText: string;
  readonly state: S;
}

interface MetricCore<S> {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly series: Map<string, Series<S>>;
  /** Finds or creates the series for these label values. */
  get(labels: Labels<string>): S;
}

function createCore<L extends string, S>(
  type: 'counter' | 'gauge' | 'histogram',
  options: MetricOptions<L>,
  newState: () => S,
): MetricCore<S> {
  const { name, help } = options;
  if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name \`${name}\``);
  const labelNames = [...options.labelNames] as string[];
  for (const label of labelNames) {
    if (!LABEL_NAME.test(label) || label.startsWith('__')) {
      throw new Error(`invalid label name \`${label}\` on metric \`${name}\``);
    }
    if (type === 'histogram' && label === 'le') {
      throw new Error(`label name \`le\` is reserved on histogram \`${name}\``);
    }
  }
  if (new Set(labelNames).size !== labelNames.length) {
    throw new Error(`duplicate label name on metric \`${name}\``);
  }
  const caps: (ValueCap | undefined)[] = labelNames.map(
    (label) => (options.caps as Record<string, ValueCap | undefined> | undefined)?.[label],
  );
  const count = labelNames.length;
  const series = new Map<string, Series<S>>();
  let overflowKey: string | null = null;

  const labelValue = (labels: Labels<string>, i: number): string => {
    const raw = labels[labelNames[i]!];
    const value = raw === undefined ? '' : typeof raw === 'string' ? raw : String(raw);
    const cap = caps[i];
    return cap === undefined ? value : cap.apply(value);
  };

  const create = (key: string, values: string[]): S => {
    let parts = '';
    for (let i = 0; i < count; i++) {
      if (i > 0) parts += ',';
      parts += `${labelNames[i]}="${escapeLabelValue(values[i]!)}"`;
    }
    const state = newState();
    series.set(key, { labelText: parts, state });
    return state;
  };

  return {
    name,
    help,
    type,
    series,
    get(labels) {
      if (count === 0) {
        const only = series.get('');
        return only !== undefined ? only.state : create('', []);
      }
      let key = '';
      for (let i = 0; i < count; i++) {
        const value = labelValue(labels, i);
        if (i > 0) key += KEY_SEPARATOR;
        key += value.includes(KEY_SEPARATOR) ? value.replaceAll(KEY_SEPARATOR, '\\u0001') : value;
      }
      const found = series.get(key);
      if (found !== undefined) return found.state;
      if (series.size >= MAX_SERIES_PER_METRIC) {
        overflowKey ??= Array.from({ length: count }, () => OVERFLOW_LABEL_VALUE).join(KEY_SEPARATOR);
        const overflow = series.get(overflowKey);
        if (overflow !== undefined) return overflow.state;
        return create(
          overflowKey,
          Array.from({ length: count }, () => OVERFLOW_LABEL_VALUE),
        );
      }
      const values: string[] = new Array(count);
      for (let i = 0; i < count; i++) values[i] = labelValue(labels, i);
      return create(key, values);
    },
  };
}

interface ScalarState {
  value: number;
}

interface HistogramState {
  /** Per-bucket (non-cumulative) counts; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** Creates an empty metrics registry. */
export function createRegistry(): MetricsRegistry {
  const metrics: { core: MetricCore<unknown>; render: (out: string[]) => void }[] = [];
  const collectors: (() => void)[] = [];
  const names = new Set<string>();

  const register = <S>(core: MetricCore<S>, render: (out: string[]) => void) => {
    if (names.has(core.name)) throw new Error(`metric \`${core.name}\` is already registered`);
    names.add(core.name);
    metrics.push({ core: core as MetricCore<unknown>, render });
  };

  const renderScalar = (core: MetricCore<ScalarState>) => (out: string[]) => {
    for (const { labelText, state } of core.series.values()) {
      out.push(
        labelText === ''
          ? `${core.name} ${formatNumber(state.value)}`
          : `${core.name}{${labelText}} ${formatNumber(state.value)}`,
      );
    }
  };

  return {
    counter<const L extends string = never>(options: MetricOptions<L>): Counter<L> {
      const core = createCore<L, ScalarState>('counter', options, () => ({ value: 0 }));
      register(core, renderScalar(core));
      return {
        name: core.name,
        inc(labels, value = 1) {
          if (!(value >= 0) || value === Number.POSITIVE_INFINITY) return;
          core.get(labels).value += value;
        },
      };
    },

    gauge<const L extends string = never>(options: MetricOptions<L>): Gauge<L> {
      const core = createCore<L, ScalarState>('gauge', options, () => ({ value: 0 }));
      register(core, renderScalar(core));
      return {
        name: core.name,
        set(labels, value) {
          core.get(labels).value = value;
        },
        inc(labels, value = 1) {
          core.get(labels).value += value;
        },
        dec(labels, value = 1) {
          core.get(labels).value -= value;
        },
      };
    },

    histogram<const L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
      const buckets = Float64Array.from(options.buckets);
      if (buckets.length === 0) throw new Error(`histogram \`${options.name}\` needs at least one bucket`);
      for (let i = 0; i < buckets.length; i++) {
        const bound = buckets[i]!;
        if (!Number.isFinite(bound) || (i > 0 && bound <= buckets[i - 1]!)) {
          throw new Error(`buckets of histogram \`${options.name}\` must be finite and strictly increasing`);
        }
      }
      const size = buckets.length;
      const les = Array.from(buckets, (b) => formatNumber(b));
      les.push('+Inf');
      const core = createCore<L, HistogramState>('histogram', options, () => ({
        counts: new Float64Array(size + 1),
        sum: 0,
        count: 0,
      }));
      register(core, (out) => {
        for (const { labelText, state } of core.series.values()) {
          const prefix = labelText === '' ? '' : `${labelText},`;
          let cumulative = 0;
          for (let i = 0; i <= size; i++) {
            cumulative += state.counts[i]!;
            out.push(`${core.name}_bucket{${prefix}le="${les[i]}"} ${cumulative}`);
          }
          const braces = labelText === '' ? '' : `{${labelText}}`;
          out.push(`${core.name}_sum${braces} ${formatNumber(state.sum)}`);
          out.push(`${core.name}_count${braces} ${state.count}`);
        }
      });
      return {
        name: core.name,
        observe(labels, value) {
          if (!Number.isFinite(value)) return;
          const state = core.get(labels);
          let i = 0;
          while (i < size && value > buckets[i]!) i++;
          state.counts[i]! += 1;
          state.sum += value;
          state.count += 1;
        },
      };
    },

    onRender(collect) {
      collectors.push(collect);
    },

    render() {
      for (const collect of collectors) collect();
      const out: string[] = [];
      for (const { core, render } of metrics) {
        out.push(`# HELP ${core.name} ${escapeHelp(core.help)}`);
        out.push(`# TYPE ${core.name} ${core.type}`);
        render(out);
      }
      out.push('');
      return out.join('\n');
    },
  };
}

/**
 * Creates the gateway's metrics registry: request, upstream, overhead and event-queue metrics, plus
 * process gauges refreshed at render time. `model` labels share one cardinality cap.
 */
export function createMetrics(options: CreateMetricsOptions = {}): Metrics {
  const registry = createRegistry();
  const modelCap = createValueCap(options.maxModelValues ?? MAX_MODEL_LABEL_VALUES);
  const processMetrics = options.processMetrics ?? true;

  const requests = registry.counter({
    name: 'parapet_requests_total',
    help: 'Requests handled by the gateway.',
    labelNames: ['route', 'provider', 'model', 'decision', 'status'],
    caps: { model: modelCap },
  });
  const requestDuration = registry.histogram({
    name: 'parapet_request_duration_seconds',
    help: 'Time from request arrival to the last byte sent, in seconds.',
    labelNames: ['route', 'provider', 'model'],
    caps: { model: modelCap },
    buckets: DURATION_BUCKETS_SECONDS,
  });
  const upstreamTtfb = registry.histogram({
    name: 'parapet_upstream_ttfb_seconds',
    help: 'Time from sending the upstream request to its first response byte, in seconds.',
    labelNames: ['provider', 'model'],
    caps: { model: modelCap },
    buckets: DURATION_BUCKETS_SECONDS,
  });
  const upstreamDuration = registry.histogram({
    name: 'parapet_upstream_duration_seconds',
    help: 'Time from sending the upstream request to its last response byte, in seconds.',
    labelNames: ['provider', 'model'],
    caps: { model: modelCap },
    buckets: DURATION_BUCKETS_SECONDS,
  });
  const upstreamResponses = registry.counter({
    name: 'parapet_upstream_responses_total',
    help: 'Upstream responses by HTTP status code (0 when no response arrived).',
    labelNames: ['provider', 'status_code'],
  });
  const overhead = registry.histogram({
    name: 'parapet_gateway_overhead_seconds',
    help: 'Time the gateway added to a request (total minus upstream), in seconds.',
    labelNames: ['route'],
    buckets: OVERHEAD_BUCKETS_SECONDS,
  });
  const eventsQueued = registry.gauge({
    name: 'parapet_events_queued',
    help: 'Events waiting in memory to be written to the store.',
    labelNames: [],
  });
  const eventsSpooled = registry.gauge({
    name: 'parapet_events_spooled',
    help: 'Events spooled to disk while the store was unreachable.',
    labelNames: [],
  });
  const eventsDropped = registry.counter({
    name: 'parapet_events_dropped_total',
    help: 'Events dropped because the queue and the spool were full.',
    labelNames: [],
  });

  let loopDelay: IntervalHistogram | null = null;
  if (processMetrics) {
    loopDelay = monitorEventLoopDelay({ resolution: 20 });
    loopDelay.enable();
    const resident = registry.gauge({
      name: 'process_resident_memory_bytes',
      help: 'Resident memory size in bytes.',
      labelNames: [],
    });
    const heapUsed = registry.gauge({
      name: 'nodejs_heap_size_used_bytes',
      help: 'V8 heap used in bytes.',
      labelNames: [],
    });
    const loopP99 = registry.gauge({
      name: 'nodejs_eventloop_delay_p99_seconds',
      help: 'Event-loop delay 99th percentile since the previous scrape, in seconds.',
      labelNames: [],
    });
    registry.onRender(() => {
      const memory = process.memoryUsage();
      resident.set({}, memory.rss);
      heapUsed.set({}, memory.heapUsed);
      if (loopDelay !== null) {
        // Nanoseconds; NaN/0 before the first sample.
        const p99 = loopDelay.percentile(99);
        loopP99.set({}, Number.isFinite(p99) ? p99 / 1e9 : 0);
        loopDelay.reset();
      }
    });
  }

  let recorderStats: (() => RecorderCounts) | null = null;
  let droppedSeen = 0;
  registry.onRender(() => {
    if (recorderStats === null) return;
    const stats = recorderStats();
    eventsQueued.set({}, stats.queued);
    eventsSpooled.set({}, stats.spooled.events);
    if (stats.dropped > droppedSeen) {
      eventsDropped.inc({}, stats.dropped - droppedSeen);
      droppedSeen = stats.dropped;
    }
  });

  return {
    ...registry,
    observeRequest(request) {
      const { route, provider, model } = request;
      requests.inc({ route, provider, model, decision: request.decision, status: request.status });
      requestDuration.observe({ route, provider, model }, request.totalMs / 1000);
      overhead.observe({ route }, request.overheadMs / 1000);
      if (request.upstreamTtfbMs !== null)
        upstreamTtfb.observe({ provider, model }, request.upstreamTtfbMs / 1000);
      if (request.upstreamTotalMs !== null) {
        upstreamDuration.observe({ provider, model }, request.upstreamTotalMs / 1000);
      }
    },
    bindRecorder(stats) {
      recorderStats = stats;
    },
    requests,
    requestDuration,
    upstreamTtfb,
    upstreamDuration,
    upstreamResponses,
    overhead,
    eventsQueued,
    eventsSpooled,
    eventsDropped,
    close() {
      loopDelay?.disable();
      loopDelay = null;
    },
  };
}

/** Same as {@link createMetrics}; the name the composition root uses. */
export const createGatewayMetrics: (options?: CreateMetricsOptions) => Metrics = createMetrics;
