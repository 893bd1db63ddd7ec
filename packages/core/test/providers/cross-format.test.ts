// One row per mapping: an OpenAI Chat body and the Anthropic Messages body it must become (through the
// neutral model), and back. `openaiBack` is what the Anthropic body turns into when it is not the original.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { anthropicMessages } from '../../src/providers/anthropic-messages.ts';
import { openaiChat } from '../../src/providers/openai-chat.ts';

interface RequestRow {
  name: string;
  openai: Record<string, unknown>;
  anthropic: Record<string, unknown>;
  openaiBack?: Record<string, unknown>;
}

const WEATHER_SCHEMA = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const IMAGE_DATA = 'iVBORw0KGgo=';

const REQUEST_ROWS: RequestRow[] = [
  {
    name: 'system prompt',
    openai: {
      model: 'm-openai',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      max_completion_tokens: 100,
      stream: false,
    },
    anthropic: {
      model: 'm-anthropic',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    },
  },
  {
    name: 'multi-turn conversation',
    openai: {
      model: 'm-openai',
      messages: [
        { role: 'user', content: 'What is 2+2?' },
        { role: 'assistant', content: '4' },
        { role: 'user', content: 'And 3+3?' },
      ],
      max_completion_tokens: 100,
      stream: false,
    },
    anthropic: {
      model: 'm-anthropic',
      max_tokens: 100,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What is 2+2?' }] },
        { role: 'assistant', content: [{ type: 'text', text: '4' }] },
        { role: 'user', content: [{ type: 'text', text: 'And 3+3?' }] },
      ],
    },
  },
  {
    name: 'tools definition with tool_choice required ↔ any',
    openai: {
      model: 'm-openai',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Current weather', parameters: WEATHER_SCHEMA },
        },
      ],
      tool_choice: 'required',
      max_completion_tokens: 100,
      stream: false,
    },
    anthropic: {
      model: 'm-anthropic',
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] }],
      tools: [{ name: 'get_weather', description: 'Current weather', input_schema: WEATHER_SCHEMA }],
      tool_choice: { type: 'any' },
    },
  },
  {
    name: 'named tool_choice ↔ tool',
    openai: {
      model: 'm-openai',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: WEATHER_SCHEMA } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      max_completion_tokens: 100,
      stream: false,
    },
    anthropic: {
      model: 'm-anthropic',
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather?' }] }],
      tools: [{ name: 'get_weather', input_schema: WEATHER_SCHEMA }],
      tool_choice: { type: 'tool', name: 'get_weather' },
    },
  },
  {
    name: 'assistant tool call ↔ tool_use with parsed input',
    openai: {
      model: 'm-openai',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: 'Let me check.',
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
      ],
      max_completion_tokens: 100,
      stream: false,
    },
    anthropic: {
      model: 'm-anthropic',
      max_tokens: 100,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
      ],
    },
  },
  {
    name: 'parallel tool results ↔ one user turn of tool_result blocks',
    openai: {
      model: 'm-openai',
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            {
              id: 'call_2',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Rome"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18C' },
        { role: 'tool', tool_call_id: 'call_2', content: '24C' },
      ],
      max_completion_tokens: 100,
      stream: false,
    },
    anthropic: {
      model: 'm-anthropic',
      max_tokens: 100,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: '18C' },
            { type: 'tool_result', tool_use_id: 'call_2', content: '24C' },
          ],
        },
      ],
    },
  },
  {
    name: 'stop sequences',
    openai: {
      model: 'm-openai',
      messages: [{ role: 'user', content: 'Count' }],
      max_completion_tokens: 100,
      stop: ['\n\n', 'END'],
      stream: false,
    },
    anthropic: {
      model: 'm-anthropic',
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Count' }] }],
      stop_sequences: ['\n\n', 'END'],
    },
  },
  {
    name: 'deprecated max_tokens ↔ max_tokens (built back as max_completion_tokens)',
    openai: { model: 'm-openai', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 50, stream: false },
    anthropic: {
      model: 'm-anthropic',
      max_tokens: 50,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    },
    openaiBack: {
      model: 'm-openai',
      messages: [{ role: 'user', content: 'Hi' }],
      max_completion_tokens: 50,
      stream: false,
    },
  },
  {
    name: 'absent max tokens ↔ Anthropic default 4096',
    openai: { model: 'm-openai', messages: [{ role: 'user', content: 'Hi' }], stream: false },
    anthropic: {
      model: 'm-anthropic',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    },
    openaiBack: {
      model: 'm-openai',
      messages: [{ role: 'user', content: 'Hi' }],
      max_completion_tokens: 4096,
      stream: false,
    },
  },
  {
    name: 'images by URL and as base64 data',
    openai: {
      model: 'm-openai',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${IMAGE_DATA}` } },
          ],
        },
      ],
      max_completion_tokens: 100,
      stream: false,
    },
    anthropic: {
      model: 'm-anthropic',
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these' },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: IMAGE_DATA } },
          ],
        },
      ],
    },
  },
  {
    name: 'sampling, user and streaming',
    openai: {
      model: 'm-openai',
      messages: [{ role: 'user', content: 'Hi' }],
      max_completion_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      user: 'user-42',
      stream: true,
      stream_options: { include_usage: true },
    },
    anthropic: {
      model: 'm-anthropic',
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      temperature: 0.5,
      top_p: 0.9,
      metadata: { user_id: 'user-42' },
      stream: true,
    },
  },
];

interface ResponseRow {
  name: string;
  openai: Record<string, unknown>;
  anthropic: Record<string, unknown>;
}

function openaiResponse(message: Record<string, unknown>, finish: string, usage: [number, number] = [7, 3]) {
  const body: Record<string, unknown> = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 0,
    model: 'gpt-x',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', refusal: null, ...message },
        logprobs: null,
        finish_reason: finish,
      },
    ],
  };
  body['usage'] = { prompt_tokens: usage[0], completion_tokens: usage[1], total_tokens: usage[0] + usage[1] };
  return body;
}

function anthropicResponse(content: unknown[], stop: string, usage: [number, number] = [7, 3]) {
  return {
    id: 'chatcmpl-1',
    type: 'message',
    role: 'assistant',
    model: 'gpt-x',
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: { input_tokens: usage[0], output_tokens: usage[1] },
  };
}

const RESPONSE_ROWS: ResponseRow[] = [
  {
    name: 'stop reason stop ↔ end_turn',
    openai: openaiResponse({ content: 'Hello' }, 'stop'),
    anthropic: anthropicResponse([{ type: 'text', text: 'Hello' }], 'end_turn'),
  },
  {
    name: 'stop reason length ↔ max_tokens',
    openai: openaiResponse({ content: 'Hel' }, 'length'),
    anthropic: anthropicResponse([{ type: 'text', text: 'Hel' }], 'max_tokens'),
  },
  {
    name: 'stop reason tool_calls ↔ tool_use, with the tool call',
    openai: openaiResponse(
      {
        content: null,
        tool_calls: [
          { id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
      'tool_calls',
    ),
    anthropic: anthropicResponse(
      [{ type: 'tool_use', id: 'call_9', name: 'get_weather', input: { city: 'Oslo' } }],
      'tool_use',
    ),
  },
  {
    name: 'stop reason content_filter ↔ refusal',
    openai: openaiResponse({ content: '' }, 'content_filter'),
    anthropic: anthropicResponse([{ type: 'text', text: '' }], 'refusal'),
  },
  {
    name: 'usage prompt/completion ↔ input/output tokens',
    openai: openaiResponse({ content: 'Hi' }, 'stop', [12, 5]),
    anthropic: anthropicResponse([{ type: 'text', text: 'Hi' }], 'end_turn', [12, 5]),
  },
];

describe('cross-format requests: OpenAI → neutral → Anthropic and back', () => {
  for (const row of REQUEST_ROWS) {
    test(row.name, () => {
      const toAnthropic = anthropicMessages.buildRequest(openaiChat.parseRequest(row.openai), 'm-anthropic');
      assert.deepEqual(toAnthropic, row.anthropic);
      const back = openaiChat.buildRequest(anthropicMessages.parseRequest(row.anthropic), 'm-openai');
      assert.deepEqual(back, row.openaiBack ?? row.openai);
    });
  }
});

describe('cross-format responses: OpenAI ↔ Anthropic', () => {
  for (const row of RESPONSE_ROWS) {
    test(row.name, () => {
      assert.deepEqual(anthropicMessages.buildResponse(openaiChat.parseResponse(row.openai)), row.anthropic);
      assert.deepEqual(openaiChat.buildResponse(anthropicMessages.parseResponse(row.anthropic)), row.openai);
    });
  }

  test('stop_sequence reads as stop and is written back as end_turn / stop', () => {
    const neutral = anthropicMessages.parseResponse(
      anthropicResponse([{ type: 'text', text: 'a' }], 'stop_sequence'),
    );
    assert.equal(neutral.stopReason, 'stop');
    const openai = openaiChat.buildResponse(neutral) as { choices: { finish_reason: string }[] };
    assert.equal(openai.choices[0]?.finish_reason, 'stop');
  });

  test('Anthropic cache tokens count as input tokens', () => {
    const neutral = anthropicMessages.parseResponse({
      ...anthropicResponse([{ type: 'text', text: 'a' }], 'end_turn'),
      usage: {
        input_tokens: 3,
        cache_creation_input_tokens: 10,
        cache_read_input_tokens: 20,
        output_tokens: 4,
      },
    });
    assert.deepEqual(neutral.usage, { inputTokens: 33, outputTokens: 4 });
  });
});
