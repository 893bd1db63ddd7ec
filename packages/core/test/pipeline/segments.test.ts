import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatRequest, ChatResponse } from '../../src/model/chat.ts';
import { requestSegments, responseSegments } from '../../src/pipeline/segments.ts';

describe('requestSegments', () => {
  const request: ChatRequest = {
    model: 'm',
    stream: false,
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'You are helpful.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look at this' },
          { type: 'image', url: 'https://example.com/a.png' },
          { type: 'text', text: '' },
          { type: 'other', raw: { type: 'document', source: { type: 'text', data: 'Doc text' } } },
          { type: 'other', raw: { type: 'input_audio', input_audio: { data: 'AAA' } } },
        ],
      },
      {
        role: 'assistant',
        content: [{ type: 'text', text: 'Searching.' }],
        toolCalls: [
          { id: 'c1', name: 'search', arguments: '{"q":"a"}' },
          { id: 'c2', name: 'fetch', arguments: '{"url":"b"}' },
        ],
      },
      { role: 'tool', toolCallId: 'c1', content: [{ type: 'text', text: 'result one' }] },
      {
        role: 'tool',
        toolCallId: 'c2',
        source: 'retrieved_document',
        content: [{ type: 'text', text: 'fetched page' }],
      },
      { role: 'user', source: 'retrieved_document', content: [{ type: 'text', text: 'pasted doc' }] },
    ],
    tools: [{ name: 'search', description: 'Search the web' }, { name: 'fetch' }],
  };

  test('labels every text with its source and path, skipping empty and non-text parts', () => {
    assert.deepEqual(requestSegments(request), [
      { index: 0, source: 'system', path: 'messages[0].content[0]', text: 'You are helpful.' },
      { index: 1, source: 'user', path: 'messages[1].content[0]', text: 'Look at this' },
      { index: 2, source: 'user', path: 'messages[1].content[3]', text: 'Doc text' },
      { index: 3, source: 'assistant', path: 'messages[2].content[0]', text: 'Searching.' },
      { index: 4, source: 'tool_call', path: 'messages[2].toolCalls[0].arguments', text: '{"q":"a"}' },
      { index: 5, source: 'tool_call', path: 'messages[2].toolCalls[1].arguments', text: '{"url":"b"}' },
      { index: 6, source: 'tool_result', path: 'messages[3].content[0]', text: 'result one' },
      { index: 7, source: 'retrieved_document', path: 'messages[4].content[0]', text: 'fetched page' },
      { index: 8, source: 'retrieved_document', path: 'messages[5].content[0]', text: 'pasted doc' },
      { index: 9, source: 'system', path: 'tools[0].description', text: 'Search the web' },
    ]);
  });

  test('a request without messages or tools has no segments', () => {
    assert.deepEqual(requestSegments({ model: 'm', stream: false, messages: [] }), []);
  });
});

describe('responseSegments', () => {
  test('text parts are completions and tool-call arguments are tool calls', () => {
    const response: ChatResponse = {
      id: 'r',
      model: 'm',
      created: 0,
      content: [
        { type: 'text', text: 'Answer' },
        { type: 'other', raw: { type: 'thinking', thinking: 'hidden' } },
        { type: 'text', text: 'More' },
      ],
      toolCalls: [{ id: 'c', name: 'f', arguments: '{"a":1}' }],
      stopReason: 'tool_calls',
    };
    assert.deepEqual(responseSegments(response), [
      { index: 0, source: 'completion', path: 'content[0]', text: 'Answer' },
      { index: 1, source: 'completion', path: 'content[2]', text: 'More' },
      { index: 2, source: 'tool_call', path: 'toolCalls[0].arguments', text: '{"a":1}' },
    ]);
  });
});
