/**
 * Demo mode: with no upstream configured the gateway serves the built-in `echo` models on every route,
 * through the official SDKs, and `parapet serve` says so when it starts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

describe('the echo demo model through the official SDKs', () => {
  let gw: TestGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    gw = await startTestGateway({ env: {} });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
  });

  test('demo mode is on and /v1/models lists echo and echo-embedding', async () => {
    assert.equal(gw.config.demo, true);
    const models = await openai.models.list();
    assert.deepEqual(models.data.map((m) => m.id).sort(), ['echo', 'echo-embedding']);
    const anthropicModels = await anthropic.models.list();
    assert.deepEqual(anthropicModels.data.map((m) => m.id).sort(), ['echo', 'echo-embedding']);
  });

  test('chat completions, non-streamed and streamed', async () => {
    const res = await openai.chat.completions.create({
      model: 'echo',
      messages: [
        { role: 'system', content: 'ignored by echo' },
        { role: 'user', content: 'hello echo' },
      ],
    });
    assert.equal(res.choices[0]?.message.content, 'Echo: hello echo');
    assert.equal(res.choices[0]?.finish_reason, 'stop');
    assert.ok((res.usage?.prompt_tokens ?? 0) > 0);

    const stream = await openai.chat.completions.create({
      model: 'echo',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'one two three four five six seven' }],
    });
    let text = '';
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Echo: one two three four five six seven');
    assert.ok(chunks > 3, 'streamed in several deltas');
    assert.ok((usage?.completion_tokens ?? 0) > 0);
  });

  test('chat completions with a tool call', async () => {
    const res = await openai.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: '/tool weather {"city":"Oslo"}' }],
      tools: [
        { type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: {} } } },
      ],
    });
    const call = res.choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assert.equal(call.function.name, 'weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Oslo' });
    assert.equal(res.choices[0]?.finish_reason, 'tool_calls');
  });

  test('responses, non-streamed and streamed', async () => {
    const res = await openai.responses.create({
      model: 'echo',
      input: 'hi responses',
      instructions: 'be kind',
    });
    assert.equal(res.output_text, 'Echo: hi responses');
    const stream = openai.responses.stream({ model: 'echo', input: 'streamed responses here' });
    let deltas = '';
    stream.on('response.output_text.delta', (e) => {
      deltas += e.delta;
    });
    const final = await stream.finalResponse();
    assert.equal(deltas, 'Echo: streamed responses here');
    const item = final.output[0];
    assert.ok(item?.type === 'message' && item.content[0]?.type === 'output_text');
    assert.equal(item.content[0].text, 'Echo: streamed responses here');
  });

  test('messages, non-streamed and streamed', async () => {
    const res = await anthropic.messages.create({
      model: 'echo',
      max_tokens: 100,
      system: 'ignored',
      messages: [{ role: 'user', content: 'hello claude-shaped echo' }],
    });
    const block = res.content[0];
    assert.ok(block?.type === 'text');
    assert.equal(block.text, 'Echo: hello claude-shaped echo');
    assert.equal(res.stop_reason, 'end_turn');
    assert.ok(res.usage.input_tokens > 0);

    const stream = anthropic.messages.stream({
      model: 'echo',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stream me back please' }],
    });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const final = await stream.finalMessage();
    assert.equal(text, 'Echo: stream me back please');
    const finalBlock = final.content[0];
    assert.ok(finalBlock?.type === 'text');
    assert.equal(finalBlock.text, 'Echo: stream me back please');
  });

  test('embeddings, as floats and as base64', async () => {
    const res = await openai.embeddings.create({
      model: 'echo-embedding',
      input: ['alpha', 'beta', 'alpha'],
    });
    assert.equal(res.data.length, 3);
    const [a, b, a2] = res.data.map((d) => d.embedding);
    assert.ok(a && b && a2);
    assert.ok(a.length > 0);
    assert.deepEqual(a, a2, 'equal texts give equal vectors');
    assert.notDeepEqual(a, b);
    const norm = Math.sqrt(a.reduce((sum, x) => sum + x * x, 0));
    assert.ok(Math.abs(norm - 1) < 1e-5);
    const floats = await openai.embeddings.create({
      model: 'echo-embedding',
      input: 'alpha',
      encoding_format: 'float',
    });
    assert.equal(floats.data[0]?.embedding.length, a.length);
  });

  test('every echo request recorded as an event served by the echo upstream', async () => {
    const events = await gw.events();
    const served = events.filter((e) => e.route !== 'models');
    // 2 chat, 1 tool call, 2 responses, 2 messages, 2 embeddings.
    assert.equal(served.length, 9);
    for (const ev of served) {
      assert.equal(ev.status, 'success', JSON.stringify(ev));
      assert.equal(ev.provider, 'echo');
      assert.equal(ev.usage?.estimated, true);
    }
  });
});

describe('parapet serve in demo mode', () => {
  test('prints a start banner about the echo model, serves, and exits cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parapet-serve-'));
    const bin = fileURLToPath(new URL('../../bin/parapet.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', join(dir, 'data')], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      stdout += t;
    });
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      stderr += t;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      const deadline = Date.now() + 15_000;
      while (!/listening on http:\/\/\S+/.test(stderr) && child.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
      }
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      assert.ok(url, `no banner; stderr: ${stderr} stdout: ${stdout}`);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(stderr, /store: SQLite at .*parapet\.db/);
      assert.match(stderr, /`echo` model/);
      assert.match(stderr, /OPENAI_API_KEY/);
      assert.match(stderr, /parapet\.yaml/);
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
      child.kill('SIGTERM');
      const { code, signal } = await exited;
      assert.equal(signal, null);
      assert.equal(code, 0, stderr);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
