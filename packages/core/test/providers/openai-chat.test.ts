import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ParapetError } from '../../src/errors/codes.ts';
import { openaiChat } from '../../src/providers/openai-chat.ts';

const base = { model: 'gpt-x', messages: [{ role: 'user', content: 'Hi' }] };

function rejects(body: unknown, message: string, code = 'PARAPET_REQUEST_INVALID'): void {
  assert.throws(
    () => openaiChat.parseRequest(body),
    (error: unknown) => error instanceof ParapetError && error.code === code && error.message === message,
  );
}

describe('openaiChat.parseRequest rejects wrong types, naming the field', () => {
  const cases: [string, unknown, string][] = [
    ['body not an object', [1], 'the request body must be a JSON object'],
    ['model missing', { messages: [] }, '`model` must be a string'],
    ['messages not an array', { model: 'm', messages: 'hi' }, '`messages` must be an array'],
    ['message not an object', { model: 'm', messages: ['hi'] }, '`messages[0]` must be an object'],
    [
      'unknown role',
      { model: 'm', messages: [{ role: 'wizard', content: 'x' }] },
      '`messages[0].role` must be one of `system`, `developer`, `user`, `assistant` or `tool`',
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
      '`messages[2].content` must be a string or an array of content parts',
    ],
    [
      'assistant content a number',
      { model: 'm', messages: [{ role: 'assistant', content: 3 }] },
      '`messages[0].content` must be a string, an array of content parts or null',
    ],
    [
      'text part without text',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'text' }] }] },
      '`messages[0].content[0].text` must be a string',
    ],
    [
      'image part without url',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
      '`messages[0].content[0].image_url.url` must be a string',
    ],
    [
      'tool message without tool_call_id',
      { model: 'm', messages: [{ role: 'tool', content: 'x' }] },
      '`messages[0].tool_call_id` must be a string',
    ],
    [
      'tool call without function',
      {
        model: 'm',
        messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function' }] }],
      },
      '`messages[0].tool_calls[0].function` must be an object',
    ],
    ['stream not a boolean', { ...base, stream: 'yes' }, '`stream` must be a boolean'],
    ['max_tokens negative', { ...base, max_tokens: -1 }, '`max_tokens` must be a non-negative integer'],
    [
      'max_completion_tokens fractional',
      { ...base, max_completion_tokens: 1.5 },
      '`max_completion_tokens` must be a non-negative integer',
    ],
    ['temperature a string', { ...base, temperature: 'hot' }, '`temperature` must be a number'],
    ['top_p a string', { ...base, top_p: '1' }, '`top_p` must be a number'],
    ['stop a number', { ...base, stop: 5 }, '`stop` must be a string or an array of strings'],
    ['stream_options not an object', { ...base, stream_options: true }, '`stream_options` must be an object'],
    [
      'include_usage a string',
      { ...base, stream_options: { include_usage: 'y' } },
      '`stream_options.include_usage` must be a boolean',
    ],
    ['response_format a string', { ...base, response_format: 'json' }, '`response_format` must be an object'],
    ['user a number', { ...base, user: 7 }, '`user` must be a string'],
    ['tools not an array', { ...base, tools: {} }, '`tools` must be an array'],
    [
      'tool without a name',
      { ...base, tools: [{ type: 'function', function: {} }] },
      '`tools[0].function.name` must be a string',
    ],
    [
      'tool_choice unknown',
      { ...base, tool_choice: 'always' },
      '`tool_choice` must be `auto`, `none`, `required` or `{"type":"function","function":{"name":...}}`',
    ],
  ];
  for (const [name, body, message] of cases) test(name, () => rejects(body, message));

  test('non-function tools and allowed_tools choices are left out, not rejected', () => {
    const req = openaiChat.parseRequest({
      ...base,
      tools: [
        { type: 'custom', custom: { name: 'x' } },
        { type: 'function', function: { name: 'f' } },
      ],
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } },
    });
    assert.deepEqual(req.tools, [{ name: 'f' }]);
    assert.equal(req.toolChoice, undefined);
  });
});

describe('openaiChat.parseRequest maps fields', () => {
  test('developer reads as system, unknown parts as other, names kept', () => {
    const audio = { type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } };
    const req = openaiChat.parseRequest({
      model: 'gpt-x',
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'Rules' }] },
        { role: 'user', name: 'ann', content: [{ type: 'text', text: 'Listen' }, audio] },
      ],
    });
    assert.deepEqual(req.messages, [
      { role: 'system', content: [{ type: 'text', text: 'Rules' }] },
      {
        role: 'user',
        name: 'ann',
        content: [
          { type: 'text', text: 'Listen' },
          { type: 'other', raw: audio },
        ],
      },
    ]);
    assert.equal(req.stream, false);
  });

  test('max_completion_tokens wins over max_tokens; stop string becomes a list; response_format kept', () => {
    const format = { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } };
    const req = openaiChat.parseRequest({
      ...base,
      max_tokens: 10,
      max_completion_tokens: 20,
      stop: 'END',
      response_format: format,
    });
    assert.equal(req.maxTokens, 20);
    assert.deepEqual(req.stop, ['END']);
    assert.deepEqual(req.responseFormat, format);
  });

  test('same-format round trip keeps OpenAI-only parts and response_format', () => {
    const audio = { type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } };
    const body = {
      model: 'gpt-x',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Listen' }, audio] }],
      response_format: { type: 'json_object' },
      stream: false,
    };
    assert.deepEqual(openaiChat.buildRequest(openaiChat.parseRequest(body), 'gpt-x'), body);
  });
});

describe('openaiChat.parseResponse', () => {
  test('rejects a body that is not a chat completion', () => {
    assert.throws(
      () => openaiChat.parseResponse({ id: 'x', model: 'm' }),
      (error: unknown) =>
        error instanceof ParapetError &&
        error.code === 'PARAPET_UPSTREAM_BAD_RESPONSE' &&
        error.message === 'the upstream response field `choices` must be an array',
    );
  });

  test('a refusal reads as text so it is inspected', () => {
    const res = openaiChat.parseResponse({
      id: 'c',
      model: 'm',
      created: 5,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, refusal: 'I cannot help' },
          finish_reason: 'stop',
        },
      ],
    });
    assert.deepEqual(res.content, [{ type: 'text', text: 'I cannot help' }]);
    assert.equal(res.created, 5);
    assert.equal(res.usage, undefined);
  });
});

describe('openaiChat.errorBody', () => {
  test('has message, type, code and a null param', () => {
    assert.deepEqual(
      openaiChat.errorBody('PARAPET_AUTH_INVALID_KEY', 'the key is not valid', 'authentication_error'),
      {
        error: {
          message: 'the key is not valid',
          type: 'authentication_error',
          code: 'PARAPET_AUTH_INVALID_KEY',
          param: null,
        },
      },
    );
  });
});
