import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ParapetError } from '../../src/errors/codes.ts';
import type { ChatRequest } from '../../src/model/chat.ts';
import { anthropicMessages } from '../../src/providers/anthropic-messages.ts';

const base = { model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] };

function rejects(body: unknown, message: string, code = 'PARAPET_REQUEST_INVALID'): void {
  assert.throws(
    () => anthropicMessages.parseRequest(body),
    (error: unknown) => error instanceof ParapetError && error.code === code && error.message === message,
  );
}

describe('anthropicMessages.parseRequest rejects wrong types, naming the field', () => {
  const cases: [string, unknown, string][] = [
    ['body not an object', 'hi', 'the request body must be a JSON object'],
    ['model a number', { ...base, model: 1 }, '`model` must be a string'],
    ['messages missing', { model: 'm' }, '`messages` must be an array'],
    [
      'system role in messages',
      { model: 'm', messages: [{ role: 'system', content: 'x' }] },
      '`messages[0].role` must be `user` or `assistant`',
    ],
    [
      'content a number',
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b' },
          { role: 'user', content: 3 },
        ],
      },
      '`messages[2].content` must be a string or an array of content blocks',
    ],
    [
      'block without type',
      { model: 'm', messages: [{ role: 'user', content: [{ text: 'x' }] }] },
      '`messages[0].content[0].type` must be a string',
    ],
    [
      'image without source',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'image' }] }] },
      '`messages[0].content[0].source` must be an object',
    ],
    [
      'tool_use with a string input',
      {
        model: 'm',
        messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'n', input: '{}' }] }],
      },
      '`messages[0].content[0].input` must be an object',
    ],
    [
      'tool_result without tool_use_id',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'x' }] }] },
      '`messages[0].content[0].tool_use_id` must be a string',
    ],
    [
      'tool_result content a number',
      {
        model: 'm',
        messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 4 }] }],
      },
      '`messages[0].content[0].content` must be a string or an array of content blocks',
    ],
    ['system a number', { ...base, system: 1 }, '`system` must be a string or an array of text blocks'],
    ['system block not text', { ...base, system: [{ type: 'image' }] }, '`system[0].type` must be `text`'],
    ['max_tokens a string', { ...base, max_tokens: '10' }, '`max_tokens` must be a non-negative integer'],
    ['stop_sequences entries', { ...base, stop_sequences: ['a', 2] }, '`stop_sequences[1]` must be a string'],
    [
      'metadata.user_id a number',
      { ...base, metadata: { user_id: 1 } },
      '`metadata.user_id` must be a string',
    ],
    [
      'tool without input_schema',
      { ...base, tools: [{ name: 'x' }] },
      '`tools[0].input_schema` must be an object',
    ],
    [
      'tool_choice unknown type',
      { ...base, tool_choice: { type: 'some' } },
      '`tool_choice.type` must be `auto`, `any`, `tool` or `none`',
    ],
    [
      'tool_choice tool without name',
      { ...base, tool_choice: { type: 'tool' } },
      '`tool_choice.name` must be a string',
    ],
    ['stream a string', { ...base, stream: 'true' }, '`stream` must be a boolean'],
  ];
  for (const [name, body, message] of cases) test(name, () => rejects(body, message));

  test('server tools are left out, not rejected', () => {
    const req = anthropicMessages.parseRequest({
      ...base,
      tools: [
        { type: 'web_search_20250305', name: 'web_search' },
        { name: 'f', input_schema: { type: 'object' } },
      ],
    });
    assert.deepEqual(req.tools, [{ name: 'f', parameters: { type: 'object' } }]);
  });
});

describe('anthropicMessages.parseRequest maps fields', () => {
  test('system as text blocks, tool results split into tool messages, blocks-content tool results', () => {
    const doc = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Doc body' } };
    const req = anthropicMessages.parseRequest({
      ...base,
      system: [
        { type: 'text', text: 'Rule one.' },
        { type: 'text', text: 'Rule two.', cache_control: { type: 'ephemeral' } },
      ],
      messages: [
        { role: 'user', content: 'Look it up' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'search', input: { q: 'x' } }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 't1',
              content: [
                { type: 'text', text: 'Result' },
                { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAAA' } },
              ],
            },
            { type: 'text', text: 'Thanks' },
            doc,
          ],
        },
      ],
      tool_choice: { type: 'none' },
    });
    assert.deepEqual(req.messages, [
      {
        role: 'system',
        content: [
          { type: 'text', text: 'Rule one.' },
          { type: 'text', text: 'Rule two.' },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'Look it up' }] },
      { role: 'assistant', content: [], toolCalls: [{ id: 't1', name: 'search', arguments: '{"q":"x"}' }] },
      {
        role: 'tool',
        toolCallId: 't1',
        content: [
          { type: 'text', text: 'Result' },
          { type: 'image', data: 'AAAA', mediaType: 'image/jpeg' },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Thanks' },
          { type: 'other', raw: doc },
        ],
      },
    ]);
    assert.equal(req.toolChoice, 'none');
  });
});

describe('anthropicMessages.buildRequest', () => {
  test('hoists system messages, merges same-role turns, puts tool_result blocks first, fixes bad arguments', () => {
    const req: ChatRequest = {
      model: 'gpt-x',
      stream: false,
      temperature: 1.6,
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Sys A' }] },
        { role: 'user', content: [{ type: 'text', text: 'one' }] },
        { role: 'user', content: [{ type: 'text', text: 'two' }] },
        {
          role: 'assistant',
          content: [{ type: 'text', text: '' }],
          toolCalls: [
            { id: 'c1', name: 'f', arguments: '{"broken' },
            { id: 'c2', name: 'g', arguments: '[1,2]' },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'also this' }] },
        { role: 'tool', toolCallId: 'c1', content: [{ type: 'text', text: 'r1' }] },
        { role: 'tool', toolCallId: 'c2', content: [] },
        { role: 'system', content: [{ type: 'text', text: 'Sys B' }] },
      ],
    };
    assert.deepEqual(anthropicMessages.buildRequest(req, 'claude-x'), {
      model: 'claude-x',
      max_tokens: 4096,
      system: [
        { type: 'text', text: 'Sys A' },
        { type: 'text', text: 'Sys B' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'one' },
            { type: 'text', text: 'two' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'c1', name: 'f', input: {} },
            { type: 'tool_use', id: 'c2', name: 'g', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'c1', content: 'r1' },
            { type: 'tool_result', tool_use_id: 'c2' },
            { type: 'text', text: 'also this' },
          ],
        },
      ],
      temperature: 1,
    });
  });

  test('same-format round trip keeps Anthropic-only blocks', () => {
    const body = {
      model: 'claude-x',
      max_tokens: 10,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Summarise' },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Doc' } },
          ],
        },
      ],
    };
    assert.deepEqual(anthropicMessages.buildRequest(anthropicMessages.parseRequest(body), 'claude-x'), body);
  });
});

describe('anthropicMessages.parseResponse and errorBody', () => {
  test('rejects a body that is not a message', () => {
    assert.throws(
      () => anthropicMessages.parseResponse({ type: 'completion', id: 'x' }),
      (error: unknown) =>
        error instanceof ParapetError &&
        error.code === 'PARAPET_UPSTREAM_BAD_RESPONSE' &&
        error.message === 'the upstream response field `type` must be `message`',
    );
  });

  test('error bodies carry an Anthropic error type and the Parapet code', () => {
    const cases: [string, string, string][] = [
      ['PARAPET_REQUEST_INVALID', 'invalid_request_error', 'invalid_request_error'],
      ['PARAPET_AUTH_INVALID_KEY', 'authentication_error', 'authentication_error'],
      ['PARAPET_POLICY_BLOCKED', 'permission_error', 'permission_error'],
      ['PARAPET_MODEL_NOT_FOUND', 'not_found_error', 'not_found_error'],
      ['PARAPET_REQUEST_TOO_LARGE', 'invalid_request_error', 'request_too_large'],
      ['PARAPET_UPSTREAM_UNAVAILABLE', 'rate_limit_exceeded', 'rate_limit_error'],
      ['PARAPET_UPSTREAM_TIMEOUT', 'server_error', 'api_error'],
    ];
    for (const [code, given, expected] of cases) {
      assert.deepEqual(anthropicMessages.errorBody(code as 'PARAPET_REQUEST_INVALID', 'msg', given), {
        type: 'error',
        error: { type: expected, message: 'msg', code },
      });
    }
  });
});
