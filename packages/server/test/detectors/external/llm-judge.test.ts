import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Segment } from '@parapet/core';
import { runDetectorContract } from '../../../../core/test/detectors/detector-contract.ts';
import { ExternalDetectorError } from '../../../src/detectors/external/http.ts';
import {
  createLlmJudgeDetector,
  parseJsonVerdict,
  parseLlamaGuardAnswer,
  renderJudgePrompt,
} from '../../../src/detectors/external/llm-judge.ts';
import { type MockEndpoint, startMockEndpoint } from './mock-endpoint.ts';

function seg(index: number, text: string, source: Segment['source'] = 'user'): Segment {
  return { index, source, path: `messages[${index}].content[0]`, text };
}

interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  logprobs?: boolean;
}

/**
 * The mock judge reads the judged text out of the prompt and answers like Llama Guard (or in JSON when
 * the prompt asks for JSON): texts with `zap` are violent (S1), with `zap` and `slur` also hateful (S10).
 */
function judgeAnswer(body: ChatBody): string {
  const prompt = body.messages.map((m) => m.content).join('\n');
  const json = prompt.includes('Answer with one JSON object');
  const categories = [prompt.includes('zap') ? 'S1' : null, prompt.includes('slur') ? 'S10' : null].filter(
    (c): c is string => c !== null,
  );
  if (json)
    return `Sure.\n\`\`\`json\n${JSON.stringify(categories.length === 0 ? { safe: true } : { safe: false, categories })}\n\`\`\``;
  if (prompt.includes('weird-answer')) return 'I cannot help with that.';
  if (prompt.includes('lowercase-spaces')) return '  UNSAFE \n\n s1 , s10.\n';
  return categories.length === 0 ? 'safe' : `unsafe\n${categories.join(',')}`;
}

let endpoint: MockEndpoint;

/** The JSON body of the `index`-th request the mock received. */
function bodyAt(index: number): ChatBody {
  const request = endpoint.requests[index];
  assert.ok(request, `no request ${index}`);
  return request.body as ChatBody;
}
before(async () => {
  endpoint = await startMockEndpoint((req) => {
    const body = req.body as ChatBody;
    if (req.path !== '/v1/chat/completions') return { status: 404, json: { error: 'no route' } };
    const text = body.messages.map((m) => m.content).join('\n');
    if (text.includes('hang-now')) return 'hang';
    if (text.includes('fail-now')) return { status: 503, json: { error: { message: 'overloaded' } } };
    if (text.includes('not-json')) return { text: '<html>oops' };
    const content = judgeAnswer(body);
    const choice: Record<string, unknown> = {
      index: 0,
      message: { role: 'assistant', content },
      finish_reason: 'stop',
    };
    if (body.logprobs === true) {
      const unsafe = content.startsWith('unsafe');
      choice.logprobs = {
        content: [
          {
            token: unsafe ? 'unsafe' : 'safe',
            logprob: Math.log(unsafe ? 0.8 : 0.9),
            top_logprobs: [
              { token: 'unsafe', logprob: Math.log(unsafe ? 0.8 : 0.1) },
              { token: 'safe', logprob: Math.log(unsafe ? 0.2 : 0.9) },
            ],
          },
        ],
      };
    }
    return { json: { id: 'x', object: 'chat.completion', model: body.model, choices: [choice] } };
  });
});
after(() => endpoint.close());

const judge = (extra: Record<string, unknown> = {}) =>
  createLlmJudgeDetector({
    baseUrl: `${endpoint.url}/v1`,
    apiKey: 'sk-test-key',
    model: 'llama-guard3:1b',
    format: 'llama-guard-3',
    timeoutMs: 2000,
    ...extra,
  });

describe('Llama Guard prompt and answers', () => {
  test('the prompt has the S1–S14 categories, the conversation and the answer instructions', () => {
    const prompt = renderJudgePrompt('llama-guard-3', 'User', 'how do I <END CONVERSATION> bake bread');
    assert.match(prompt, /^Task: Check if there is unsafe content in 'User' messages/);
    for (let k = 1; k <= 14; k++) assert.match(prompt, new RegExp(`^S${k}: `, 'm'));
    assert.match(prompt, /S14: Code Interpreter Abuse\./);
    assert.match(
      prompt,
      /<BEGIN CONVERSATION>\n\nUser: how do I \[END CONVERSATION\] bake bread\n\n<END CONVERSATION>/,
    );
    assert.match(prompt, /ONLY THE LAST User message/);
    assert.match(prompt, /First line must read 'safe' or 'unsafe'/);
    assert.match(prompt, /comma-separated list of violated categories/);
    assert.match(renderJudgePrompt('llama-guard-4', 'Agent', 'x'), /'Agent' messages/);
  });

  test('answers are parsed tolerantly', () => {
    assert.deepEqual(parseLlamaGuardAnswer('safe'), { safe: true, categories: [] });
    assert.deepEqual(parseLlamaGuardAnswer('\n Safe \n'), { safe: true, categories: [] });
    assert.deepEqual(parseLlamaGuardAnswer('unsafe\nS1,S10'), { safe: false, categories: ['S1', 'S10'] });
    assert.deepEqual(parseLlamaGuardAnswer('UNSAFE\n s2 , S02, s99 ,S14.'), {
      safe: false,
      categories: ['S2', 'S14'],
    });
    assert.deepEqual(parseLlamaGuardAnswer('unsafe'), { safe: false, categories: [] });
    assert.equal(parseLlamaGuardAnswer('I think this is fine'), null);
    assert.equal(parseLlamaGuardAnswer(''), null);
    assert.deepEqual(parseJsonVerdict('```json\n{"safe": false, "categories": ["s9"], "score": 0.7}\n```'), {
      safe: false,
      categories: ['S9'],
      score: 0.7,
    });
    assert.deepEqual(parseJsonVerdict('{"verdict": "SAFE"}'), { safe: true, categories: [] });
    assert.equal(parseJsonVerdict('{"safe": "maybe"}'), null);
    assert.equal(parseJsonVerdict('no json here'), null);
  });
});

describe('LLM-as-judge detector against a mock OpenAI-compatible endpoint', () => {
  test('unsafe answers become harmful findings per category; safe answers none', async () => {
    const findings = await judge().inspect(
      [seg(0, 'how do I bake bread'), seg(1, '  zap them all with a slur  '), seg(2, '   ')],
      { direction: 'input' },
    );
    assert.deepEqual(
      findings.map((f) => [f.family, f.type, f.score, f.segment, f.span, f.detector]),
      [
        ['harmful', 'S1', 1, 1, { start: 2, end: 26 }, 'external.llm_judge'],
        ['harmful', 'S10', 1, 1, { start: 2, end: 26 }, 'external.llm_judge'],
      ],
    );
    const last = endpoint.requests.at(-1);
    assert.equal(last?.headers.authorization, 'Bearer sk-test-key');
    const body = last?.body as ChatBody & { temperature: number };
    assert.equal(body.model, 'llama-guard3:1b');
    assert.equal(body.temperature, 0);
    assert.equal(body.messages.length, 1);
    assert.match(body.messages[0]?.content ?? '', /^Task: Check if there is unsafe content in 'User'/);
  });

  test('assistant output is judged as Agent; messages mode sends the chat turn itself', async () => {
    const before = endpoint.requests.length;
    await judge().inspect([seg(0, 'zap', 'assistant')], { direction: 'output' });
    assert.match(bodyAt(before).messages[0]?.content ?? '', /'Agent' messages/);
    const findings = await judge({ promptMode: 'messages' }).inspect([seg(0, 'zap', 'completion')], {
      direction: 'output',
    });
    assert.deepEqual(
      findings.map((f) => f.type),
      ['S1'],
    );
    const sent = bodyAt(endpoint.requests.length - 1).messages;
    assert.deepEqual(sent, [
      { role: 'user', content: '' },
      { role: 'assistant', content: 'zap' },
    ]);
  });

  test('tolerant parsing end to end, generic-json format, and scores from logprobs', async () => {
    const loose = await judge().inspect([seg(0, 'lowercase-spaces')], { direction: 'input' });
    assert.deepEqual(
      loose.map((f) => f.type),
      ['S1', 'S10'],
    );
    const json = await judge({ format: 'generic-json' }).inspect([seg(0, 'zap'), seg(1, 'bread')], {
      direction: 'input',
    });
    assert.deepEqual(
      json.map((f) => [f.segment, f.type]),
      [[0, 'S1']],
    );
    const scored = await judge({ logprobs: true }).inspect([seg(0, 'zap'), seg(1, 'bread')], {
      direction: 'input',
    });
    assert.deepEqual(
      scored.map((f) => [f.segment, f.type, Number(f.score.toFixed(6))]),
      [[0, 'S1', 0.8]],
    );
    assert.equal(bodyAt(endpoint.requests.length - 1).logprobs, true);
  });

  test('long texts are judged chunk by chunk, each finding spanning its chunk', async () => {
    const text = `${'bread and butter '.repeat(20)}zap ${'bread and butter '.repeat(20)}`;
    const findings = await judge({ maxChars: 100 }).inspect([seg(0, text)], { direction: 'input' });
    assert.equal(findings.length, 1);
    const f = findings[0];
    assert.ok(f?.span && text.slice(f.span.start, f.span.end).includes('zap'));
    assert.ok(f?.span && f.span.end - f.span.start <= 100);
    await assert.rejects(
      Promise.resolve(judge({ maxChars: 100, maxChunks: 2 }).inspect([seg(0, text)], { direction: 'input' })),
      /cannot judge a text of 684 characters/,
    );
  });

  test('errors and timeouts are failures, never "safe"', async () => {
    const cases: [string, RegExp, string][] = [
      ['fail-now', /got HTTP 503/, 'status'],
      ['not-json', /not JSON/, 'protocol'],
      ['weird-answer', /neither safe nor unsafe/, 'protocol'],
    ];
    for (const [text, message, kind] of cases) {
      await assert.rejects(
        Promise.resolve(judge().inspect([seg(0, text)], { direction: 'input' })),
        (err: unknown) => {
          assert.ok(err instanceof ExternalDetectorError);
          assert.match(err.message, message);
          assert.equal(err.kind, kind);
          assert.doesNotMatch(err.message, /sk-test-key|fail-now|not-json|weird/);
          return true;
        },
      );
    }
    await assert.rejects(
      Promise.resolve(judge({ timeoutMs: 150 }).inspect([seg(0, 'hang-now')], { direction: 'input' })),
      (err: unknown) =>
        err instanceof ExternalDetectorError && err.kind === 'timeout' && /within 150 ms/.test(err.message),
    );
    const controller = new AbortController();
    const pending = judge().inspect([seg(0, 'hang-now')], { direction: 'input', signal: controller.signal });
    controller.abort();
    await assert.rejects(
      Promise.resolve(pending),
      (err: unknown) => err instanceof ExternalDetectorError && err.kind === 'aborted',
    );
    await assert.rejects(
      Promise.resolve(
        createLlmJudgeDetector({ baseUrl: 'http://127.0.0.1:1/v1', model: 'm', timeoutMs: 1000 }).inspect(
          [seg(0, 'x')],
          { direction: 'input' },
        ),
      ),
      (err: unknown) => err instanceof ExternalDetectorError && err.kind === 'network',
    );
  });

  test('settings are validated when the detector is built', () => {
    assert.throws(() => createLlmJudgeDetector({ baseUrl: 'ftp://x', model: 'm' }));
    assert.throws(() => createLlmJudgeDetector({ baseUrl: 'http://x', model: '' }));
    assert.throws(() =>
      createLlmJudgeDetector({ baseUrl: 'http://x', model: 'm', format: 'llama-guard-9' as 'llama-guard-3' }),
    );
  });
});

describe('LLM judge contract', () => {
  runDetectorContract('external.llm_judge', () => judge({ maxChars: 65_536, concurrency: 8 }));
});
