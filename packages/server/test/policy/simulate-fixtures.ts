import { type CompiledPolicy, compilePolicy, type Event, type Finding, PolicyDocument } from '@parapet/core';
import { buildConfig, type Config } from '../../src/config/index.ts';

/** A model table with one public and one private model. */
export function simulationConfig(dataDir: string): Config {
  return buildConfig(
    {
      data_dir: dataDir,
      upstreams: {
        openai: { type: 'openai', api_key: 'sk-test' },
        local: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' },
      },
      models: {
        'gpt-4o-mini': { provider: 'openai', tags: ['public'] },
        private: { provider: 'local', model: 'llama', tags: ['private'] },
      },
    },
    { env: {}, cwd: dataDir },
  );
}

export function policy(doc: unknown, version?: number): CompiledPolicy {
  return compilePolicy(PolicyDocument.parse(doc), version);
}

/** The policy the stored events were decided under: secrets on input are blocked. */
export const OLD_POLICY = {
  rules: [
    { id: 'block-secrets', when: { direction: 'input', detections: { secrets: {} } }, action: 'block' },
  ],
};

export function finding(family: string, type: string, score = 0.9, segment: number | null = 0): Finding {
  return {
    family,
    type,
    score,
    segment,
    span: segment === null ? null : { start: 0, end: 4 },
    detector: `${family}.test`,
  };
}

export interface EventSpec {
  time?: string;
  user?: string;
  groups?: string[];
  model?: string;
  input?: Finding[];
  output?: Finding[] | null;
  /** Warn and hold rules the stored trail shows as passed. */
  acknowledged?: string[];
  contentMode?: Event['contentMode'];
  content?: string | null;
  route?: Event['route'];
}

/**
 * An event as the gateway stores it: its decisions are what `decidedBy` gives for its findings, so
 * replaying it under the same policy must change nothing.
 */
export function storedEvent(
  id: string,
  spec: EventSpec,
  decidedBy: CompiledPolicy = policy(OLD_POLICY),
): Event {
  const time = spec.time ?? '2025-03-03T10:00:00.000Z';
  const principal = {
    keyId: 'key_1',
    user: spec.user ?? 'alice',
    groups: spec.groups ?? ['eng'],
    app: 'chat-web',
    via: 'key' as const,
  };
  const model = spec.model ?? 'gpt-4o-mini';
  const tags = model === 'private' ? ['private'] : ['public'];
  const provider = model === 'private' ? 'local' : 'openai';
  const decide = (direction: 'input' | 'output', findings: Finding[]) =>
    decidedBy.evaluate({
      direction,
      principal: { ...principal, models: null },
      model,
      provider,
      stream: false,
      modelTags: tags,
      findings,
      failures: [],
      now: new Date(time),
      acknowledged: spec.acknowledged ?? [],
    });
  const input = spec.input ?? [];
  const output = spec.output === undefined ? [] : spec.output;
  return {
    id,
    time,
    principal,
    route: spec.route ?? 'chat.completions',
    provider,
    modelRequested: model,
    modelServed: model,
    stream: false,
    httpStatus: 200,
    status: 'success',
    errorCode: null,
    latency: { totalMs: 10, upstreamTtfbMs: 5, upstreamTotalMs: 8, overheadMs: 2 },
    usage: null,
    costUsd: null,
    findings: { input, output: output ?? [] },
    decision: { input: decide('input', input), output: output === null ? null : decide('output', output) },
    contentMode: spec.contentMode ?? 'none',
    content: spec.content ?? null,
  };
}
