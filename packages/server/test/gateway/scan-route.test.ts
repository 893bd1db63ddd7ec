// biome-ignore-all lint/suspicious/noExplicitAny: the tests read arbitrary fields of JSON answers
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

describe('POST /v1/scan with the built-in detectors, and the gateway inspecting with them', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      builtinDetectors: true,
      config: { detectors: { dictionary: { terms: [{ term: 'Project Falcon', type: 'CODENAME' }] } } },
    });
  });
  after(() => gw.close());

  const scan = (body: unknown, key = gw.key) =>
    fetch(`${gw.url}/v1/scan`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  test('a text: entities with UTF-16 offsets into the input', async () => {
    const input = '🙂 card 4111 1111 1111 1111, key AKIAZ7VRSQ5TJ3XWB2LM, Project Falcon';
    const res = await scan({ id: 'x1', input });
    assert.equal(res.status, 200);
    const body = (await res.json()) as any;
    assert.equal(body.id, 'x1');
    assert.equal(body.flagged, true);
    assert.equal(typeof body.latency_ms, 'number');
    const card = body.detections.pii.entities.find((e: { type: string }) => e.type === 'CREDIT_CARD');
    assert.equal(input.slice(card.start, card.end), '4111 1111 1111 1111');
    const secret = body.detections.secrets.entities[0];
    assert.equal(input.slice(secret.start, secret.end), 'AKIAZ7VRSQ5TJ3XWB2LM');
    assert.equal(body.detections.dictionary.entities[0].type, 'CODENAME');
  });

  test('messages, a family filter, and bad input', async () => {
    const res = await scan({
      messages: [
        { role: 'system', content: 'x' },
        { role: 'user', content: 'mail ada@example.com' },
      ],
      detectors: ['pii'],
    });
    const body = (await res.json()) as any;
    assert.deepEqual(Object.keys(body.detections), ['pii']);
    assert.equal(body.detections.pii.entities[0].message, 1);
    const bad = await scan({ input: 42 });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as any).error.code, 'PARAPET_REQUEST_INVALID');
    const unauth = await scan({ input: 'x' }, 'nope');
    assert.equal(unauth.status, 401);
  });

  test('chat traffic is inspected by the built-in detectors and the findings are recorded', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'echo',
        messages: [{ role: 'user', content: 'my key is AKIAZ7VRSQ5TJ3XWB2LM' }],
      }),
    });
    assert.equal(res.status, 200);
    const events = await gw.waitForEvents(4);
    const chat = events.find((e) => e.route === 'chat.completions')!;
    assert.ok(chat.findings.input.some((f) => f.family === 'secrets' && f.type === 'AWS_ACCESS_KEY'));
    assert.ok(
      chat.findings.output.some((f) => f.family === 'secrets'),
      'the echoed key is found on output too',
    );
  });
});
