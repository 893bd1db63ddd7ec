/**
 * Helpers for admin API tests: a real gateway with the admin API on, a mock upstream behind it, keyword
 * detectors with real family and type names, and a small JSON client for `/admin/api/v1`.
 */
import assert from 'node:assert/strict';
import type { Detector, Finding } from '@parapet/core';
import type { z } from 'zod';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../helpers/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../helpers/mock-upstream.ts';

export const ADMIN_TOKEN = 'admin-test-token-5f1c0a9e2b7d4c3a';

/** Finds fixed words and reports them as `family`/`type`. */
export function wordDetector(family: string, words: Record<string, string>, score = 0.9): Detector {
  return {
    id: `test.${family}`,
    family,
    inspect(segments) {
      const findings: Finding[] = [];
      for (const s of segments) {
        for (const [word, type] of Object.entries(words)) {
          for (let at = s.text.indexOf(word); at >= 0; at = s.text.indexOf(word, at + 1)) {
            findings.push({
              family,
              type,
              score,
              segment: s.index,
              span: { start: at, end: at + word.length },
              detector: `test.${family}`,
            });
          }
        }
      }
      return findings;
    },
  };
}

export const DETECTORS: Detector[] = [
  wordDetector('pii', { 'alice@example.com': 'EMAIL_ADDRESS' }),
  wordDetector('secrets', { AKIAIOSFODNN7EXAMPLE: 'AWS_ACCESS_KEY' }),
  wordDetector('topics', { 'quarterly revenue': 'finance', lawsuit: 'legal' }),
];

/** A deployment: two public models behind the mock, a small initial policy. */
export function adminTestConfig(
  mock: MockUpstream,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    upstreams: {
      openai: { type: 'openai', base_url: `${mock.url}/v1`, api_key: 'sk-up', retries: { max: 0 } },
    },
    models: {
      'gpt-4o-mini': { provider: 'openai', tags: ['public'] },
      'gpt-4o': { provider: 'openai', tags: ['public'] },
    },
    admin: { token: ADMIN_TOKEN },
    // Far longer than any test: a change must apply through the admin call's own refresh, not the poller.
    enforcement: { approval_poll_ms: 20, policy_refresh_ms: 600_000 },
    policy: {
      default: 'allow',
      rules: [
        {
          id: 'block-secrets',
          when: { direction: 'input', detections: { secrets: {} } },
          action: 'block',
        },
      ],
    },
    ...extra,
  };
}

export interface AdminAnswer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary fields of JSON answers
  json: any;
}

export interface CallOptions {
  /** The bearer token; null sends no Authorization header. Default ADMIN_TOKEN. */
  token?: string | null;
  /** A raw body instead of JSON.stringify(body). */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
}

/** A JSON client of one gateway's admin API; `path` is under `/admin/api/v1` unless it starts with `/admin/` or `/v1/`. */
export function adminClient(baseUrl: string) {
  return async function call(
    method: string,
    path: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<AdminAnswer> {
    const url = path.startsWith('/admin/') || path.startsWith('/v1/') ? path : `/admin/api/v1${path}`;
    const token = options.token === undefined ? ADMIN_TOKEN : options.token;
    const headers: Record<string, string> = { ...options.headers };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let payload: string | Uint8Array | undefined = options.raw;
    if (payload === undefined && body !== undefined && method !== 'GET' && method !== 'HEAD') {
      payload = JSON.stringify(body);
    }
    if (payload !== undefined && headers['content-type'] === undefined)
      headers['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl}${url}`, {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
    });
    const text = await res.text();
    let json: unknown = null;
    if (text !== '') json = JSON.parse(text);
    return { status: res.status, headers: res.headers, json };
  };
}

export type AdminCall = ReturnType<typeof adminClient>;

/** A gateway with the admin API on, its mock upstream and an admin client. */
export interface AdminSetup {
  gw: TestGateway;
  mock: MockUpstream;
  api: AdminCall;
  close(): Promise<void>;
}

export async function startAdminSetup(
  options: { config?: (mock: MockUpstream) => Record<string, unknown> } & Omit<
    TestGatewayOptions,
    'config'
  > = {},
): Promise<AdminSetup> {
  const mock = await startMockUpstream();
  const { config, ...rest } = options;
  const gw = await startTestGateway({
    detectors: DETECTORS,
    ...rest,
    config: config === undefined ? adminTestConfig(mock) : config(mock),
  });
  return {
    gw,
    mock,
    api: adminClient(gw.url),
    async close() {
      await gw.close();
      await mock.close();
    },
  };
}

/** Asserts an admin error answer: status, code in body and header, a one-sentence message. */
export function assertAdminError(answer: AdminAnswer, status: number, code: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer.json));
  assert.equal(answer.json?.error?.code, code, JSON.stringify(answer.json));
  assert.equal(answer.headers.get('x-parapet-error-code'), code);
  assert.equal(typeof answer.json.error.message, 'string');
  assert.ok(answer.json.error.message.length > 0);
}

/**
 * Asserts `value` has exactly the shape of `schema`: parsing keeps every field (nothing unknown is
 * stripped) and changes nothing.
 */
export function assertShape(schema: z.ZodType, value: unknown): void {
  assert.deepEqual(schema.parse(value), value);
}

/** Polls the admin API until a pending approval appears. */
// biome-ignore lint/suspicious/noExplicitAny: the approval as JSON
export async function waitForPendingApproval(api: AdminCall): Promise<any> {
  for (let i = 0; i < 300; i++) {
    const res = await api('GET', '/approvals?status=pending');
    const first = res.json?.approvals?.[0];
    if (first !== undefined) return first;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no pending approval appeared');
}
