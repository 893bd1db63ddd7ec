/**
 * Starts a real Parapet gateway in-process on 127.0.0.1 (port 0) with a temporary data directory, and
 * creates a virtual key for it. Tests talk to it over loopback HTTP like any client.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Decider, Detector, Event } from '@parapet/core';
import { buildConfig, type Config } from '../../src/config/index.ts';
import { generateVirtualKey } from '../../src/identity/virtual-keys.ts';
import { type RunningServer, startServer } from '../../src/main.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { KeyRecord, Store } from '../../src/store/ports.ts';

export interface TestGateway {
  url: string;
  /** A valid key for `user: alice, groups: [eng], app: tests`. */
  key: string;
  keyId: string;
  config: Config;
  server: RunningServer;
  store: Store;
  dataDir: string;
  /** Every log line the gateway wrote. */
  logs: string[];
  createKey(fields?: Partial<Omit<KeyRecord, 'id' | 'hash'>>): Promise<{ key: string; id: string }>;
  /** Flushes the recorder and returns every stored event, oldest first. */
  events(): Promise<Event[]>;
  /** Waits until `n` events are stored. */
  waitForEvents(n: number, timeoutMs?: number): Promise<Event[]>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  /** Raw parapet.yaml content (object form). */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  detectors?: Detector[];
  /** Run the built-in detectors (config.detectors) instead of `detectors`. */
  builtinDetectors?: boolean;
  decider?: Decider;
  dataDir?: string;
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'parapet-gw-'));
  const raw = {
    ...options.config,
    server: { host: '127.0.0.1', port: 0, ...(options.config?.server as object | undefined) },
    data_dir: dataDir,
    events: { flush_interval_ms: 10, ...(options.config?.events as object | undefined) },
  };
  const config = buildConfig(raw, { env: options.env ?? {}, cwd: dataDir });
  const logs: string[] = [];
  const log = createLogger({ level: 'debug', stream: { write: (s: string) => void logs.push(s) } });
  const server = await startServer(config, {
    log,
    env: options.env ?? {},
    // Gateway tests use their own detectors; `builtinDetectors: true` runs the deployment's built-in set.
    ...(options.builtinDetectors === true ? {} : { detectors: options.detectors ?? [] }),
    ...(options.decider ? { decider: options.decider } : {}),
  });
  const store = server.context.store;
  const createKey: TestGateway['createKey'] = async (fields = {}) => {
    const generated = generateVirtualKey(randomBytes);
    await store.createKey({
      id: generated.id,
      hash: generated.hash,
      user: 'alice',
      groups: ['eng'],
      app: 'tests',
      models: null,
      createdAt: new Date().toISOString(),
      expiresAt: null,
      revokedAt: null,
      ...fields,
    });
    return { key: generated.key, id: generated.id };
  };
  const first = await createKey();
  const events = async (): Promise<Event[]> => {
    await server.context.recorder.flush();
    return (await store.queryEvents({ limit: 10_000 })).reverse();
  };
  return {
    url: server.url,
    key: first.key,
    keyId: first.id,
    config,
    server,
    store,
    dataDir,
    logs,
    createKey,
    events,
    async waitForEvents(n, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const all = await events();
        if (all.length >= n || Date.now() > deadline) return all;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await server.close();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A config with one OpenAI-type and one Anthropic-type upstream, both pointing at a mock. */
export function mockUpstreamConfig(
  mockUrl: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    upstreams: {
      openai: {
        type: 'openai',
        base_url: `${mockUrl}/v1`,
        api_key: 'sk-upstream-openai-secret',
        models: ['gpt-*', 'text-embedding-*'],
        retries: { max: 1, base_delay_ms: 1, max_delay_ms: 5 },
        timeout_ms: 2000,
      },
      anthropic: {
        type: 'anthropic',
        base_url: mockUrl,
        api_key: 'sk-ant-upstream-secret',
        models: ['claude-*'],
        retries: { max: 1, base_delay_ms: 1, max_delay_ms: 5 },
        timeout_ms: 2000,
      },
    },
    ...extra,
  };
}
