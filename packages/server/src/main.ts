/**
 * The composition root: the only place that wires the gateway together. Everything else receives its
 * collaborators as arguments.
 */
import { join, resolve } from 'node:path';
import { allowAll, type Decider, type Detector, parseDuration } from '@parapet/core';
import { createAdminHandler } from './admin/index.ts';
import type { Config } from './config/index.ts';
import { loadDashboard } from './dashboard/static.ts';
import { detectorsForConfig } from './detectors/builtin.ts';
import { closeExternalDetectors } from './detectors/external/config.ts';
import type { GatewayContext } from './gateway/context.ts';
import { deriveEnforcementKeys } from './gateway/enforce.ts';
import { createGatewayHandler } from './gateway/gateway.ts';
import { createModelDirectory, upstreamTargets } from './gateway/models.ts';
import { closeServer, listen } from './http/server.ts';
import { createAuthenticator } from './identity/authenticate.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createGatewayMetrics } from './observability/metrics.ts';
import { estimateTokens } from './observability/tokens.ts';
import { createTracer } from './observability/tracing.ts';
import { createPolicyRuntime, type PolicyRuntime } from './policy/runtime.ts';
import { createSiemExporter } from './siem/index.ts';
import { createEventSearch } from './store/event-search.ts';
import { createEventRecorder, loadContentKey, openStore } from './store/index.ts';
import { createUpstreamTransport } from './upstream/index.ts';
import { pooledRandomBytes } from './util/random-pool.ts';

export interface StartOptions {
  log?: Logger;
  /** Detectors for the inspection points; default: the built-in ones as `config.detectors` sets them. */
  detectors?: readonly Detector[];
  /** The decider; the policy engine plugs in here. Default: allow everything. */
  decider?: Decider;
  env?: NodeJS.ProcessEnv;
  /**
   * The wall clock (ms since the epoch) that stamps events, ids, decisions, approvals and vault entries;
   * default `Date.now`. `parapet demo seed` walks it to spread synthetic events over past days.
   */
  clock?: { wallMs(): number };
}

export interface RunningServer {
  url: string;
  context: GatewayContext;
  close(): Promise<void>;
}

/** Starts the gateway from a validated, frozen config. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const wallMs = options.clock === undefined ? Date.now : () => options.clock!.wallMs();
  const logger = options.log ?? createLogger({ level: config.logging.level });
  const dataDir = resolve(config.data_dir);
  const store = await openStore({ url: config.database.url, dataDir });
  const loadedKey = loadContentKey({ dataDir, envKey: env.PARAPET_ENCRYPTION_KEY });
  if (loadedKey.insecurePermissions) {
    logger.warn('the content encryption key file is readable by other users; run `chmod 600` on it', {
      file: loadedKey.file,
    });
  }
  const contentKey = loadedKey.key;
  const detectors = options.detectors ?? (await detectorsForConfig(config));
  let policy: PolicyRuntime | null = null;
  if (options.decider === undefined) {
    try {
      policy = await createPolicyRuntime({
        config,
        store,
        detectors,
        logger,
        refreshMs: config.enforcement.policy_refresh_ms,
      });
    } catch (err) {
      await closeExternalDetectors(detectors);
      await store.close();
      throw err;
    }
  }
  const metrics = createGatewayMetrics();
  const recorder = createEventRecorder({
    store,
    spoolDir: join(dataDir, 'spool'),
    batchSize: config.events.batch_size,
    flushIntervalMs: config.events.flush_interval_ms,
    maxSpoolBytes: config.events.spool_max_bytes,
    onError: (err: unknown) =>
      logger.warn('event store write failed; events spooled to disk', { error: err }),
  });
  const transport = createUpstreamTransport();
  const tracer = createTracer({
    endpoint: config.telemetry.otlp.endpoint,
    headers: config.telemetry.otlp.headers,
    serviceName: config.telemetry.otlp.service_name,
  });
  const targets = upstreamTargets(config);
  const shutdown = new AbortController();
  const context: GatewayContext = {
    settings: {
      bodyLimitBytes: config.server.body_limit_bytes,
      holdBackChars: config.streaming.hold_back_chars,
      windowChars: config.streaming.window_chars,
      detectorBudgetMs: config.inspection.detector_budget_ms,
      canaryTokens: config.inspection.canary_tokens,
      contentMode: config.events.content_mode,
      maxContentBytes: config.events.max_content_bytes,
      demo: config.demo,
    },
    models: createModelDirectory(config, targets),
    authenticate: createAuthenticator({
      keys: store,
      cacheTtlMs: config.server.key_cache_ttl_ms,
      trusted: config.server.trusted_identity,
      now: Date.now,
    }),
    transport,
    recorder,
    store,
    detectors,
    decider: options.decider ?? policy?.decide ?? allowAll,
    policy,
    // Always wired: the handler answers 404 itself until `admin.token` is set or an account exists.
    admin: createAdminHandler({
      token: config.admin.token,
      store,
      policy,
      config,
      detectors,
      logger,
      clock: { wallMs: Date.now },
      contentKey,
      shutdown: shutdown.signal,
    }),
    dashboard: config.dashboard.enabled ? loadDashboard(config.dashboard.dir) : null,
    enforcement: {
      keys: deriveEnforcementKeys(contentKey),
      vaultTtlMs: parseDuration(config.enforcement.vault_ttl),
      approvalPollMs: config.enforcement.approval_poll_ms,
      keepAliveMs: config.enforcement.keep_alive_ms,
      outputHoldBackChars: config.enforcement.output_hold_back_chars,
      outputHoldBackMode: config.enforcement.output_hold_back_mode,
    },
    metrics,
    logger,
    tracer,
    contentKey,
    clock: { wallMs, monoMs: () => performance.now() },
    newId: () => eventId(wallMs()),
    estimateTokens,
    onUpstreamAttempt: (info) => {
      const code = info.status ?? (info.error === undefined ? 0 : info.error.name);
      metrics.upstreamResponses.inc({ provider: info.target, status_code: code });
    },
  };

  metrics.bindRecorder(() => recorder.stats());
  const { server, url } = await listen(createGatewayHandler(context), {
    host: config.server.host,
    port: config.server.port,
    requestTimeoutMs: config.server.request_timeout_ms,
  });
  // The SIEM sink runs on every replica; a lease in the store lets one export at a time.
  const siem = createSiemExporter({ store, config, contentKey, logger });
  siem.start();
  // Events stored before the search index existed are indexed once, in the background.
  void createEventSearch(store.sql)
    .indexMissing()
    .then((n) => {
      if (n > 0) logger.info('indexed older events for search', { events: n });
    })
    .catch((err: unknown) => logger.warn('indexing older events for search failed', { error: err }));
  logger.info('parapet listening', {
    url,
    store: store.kind,
    upstreams: Object.keys(config.upstreams),
    demo: config.demo,
  });
  let closed: Promise<void> | null = null;
  return {
    url,
    context,
    close() {
      closed ??= (async () => {
        await siem.stop();
        shutdown.abort();
        policy?.close();
        await closeServer(server, 5000);
        await recorder.close();
        await transport.close();
        await tracer.shutdown();
        metrics.close();
        await closeExternalDetectors(context.detectors);
        await store.close();
      })();
      return closed;
    },
  };
}

/** Time-ordered event id: 12 hex digits of milliseconds, then 16 random hex digits. */
function eventId(nowMs: number): string {
  return `evt_${nowMs.toString(16).padStart(12, '0')}${pooledRandomBytes(8).toString('hex')}`;
}
