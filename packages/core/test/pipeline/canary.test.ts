import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ChatRequest,
  canaryFindings,
  hasSystemPrompt,
  plantCanary,
  requestSegments,
} from '../../src/index.ts';

const base: ChatRequest = {
  model: 'm',
  stream: false,
  messages: [
    { role: 'system', content: [{ type: 'text', text: 'You are helpful.' }] },
    { role: 'user', content: [{ type: 'text', text: 'hi' }] },
  ],
};

test('the canary goes first in the first system message; the request is not mutated', () => {
  const before = JSON.stringify(base);
  const planted = plantCanary(base, 'pc-0123456789ab');
  assert.equal(JSON.stringify(base), before);
  assert.deepEqual(planted.messages[0]?.content, [
    { type: 'text', text: '[ref: pc-0123456789ab]\n\nYou are helpful.' },
  ]);
  assert.deepEqual(planted.messages[1], base.messages[1]);
});

test('without a system prompt nothing is planted', () => {
  const req: ChatRequest = { ...base, messages: [base.messages[1]!] };
  assert.equal(hasSystemPrompt(req), false);
  assert.equal(plantCanary(req, 'pc-x'), req);
});

test('every occurrence of the canary in the output is a SYSTEM_PROMPT_LEAK finding with its span', () => {
  const segments = requestSegments({
    ...base,
    messages: [{ role: 'assistant', content: [{ type: 'text', text: 'a pc-1 b pc-1' }] }],
  });
  const found = canaryFindings(segments, 'pc-1');
  assert.deepEqual(
    found.map((f) => [f.family, f.type, f.span]),
    [
      ['prompt_attack', 'SYSTEM_PROMPT_LEAK', { start: 2, end: 6 }],
      ['prompt_attack', 'SYSTEM_PROMPT_LEAK', { start: 9, end: 13 }],
    ],
  );
  assert.deepEqual(canaryFindings(segments, 'pc-2'), []);
});
