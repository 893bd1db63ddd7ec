/**
 * The gateway serves the built dashboard at `/` with a strict Content-Security-Policy, its hashed assets
 * under `/assets/`, and nothing else from disk.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DASHBOARD_CSP } from '../../src/dashboard/static.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/** A built dashboard in a temporary directory, with a secret file next to it that must stay unreachable. */
function fakeDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parapet-dash-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Parapet</title><div id="root"></div>');
  writeFileSync(join(dir, 'assets', 'index-AbC123.js'), 'console.log("dashboard");');
  writeFileSync(join(dir, 'assets', 'index-AbC123.css'), 'body{}');
  writeFileSync(join(dir, 'secret.txt'), 'not for the web');
  return dir;
}

/** A raw GET with the path sent exactly as written (fetch would normalise `..`). */
function rawGet(
  url: string,
  path: string,
  method = 'GET',
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard files', () => {
  let gw: TestGateway;
  let dist: string;
  before(async () => {
    dist = fakeDist();
    gw = await startTestGateway({ config: { dashboard: { dir: dist } } });
  });
  after(async () => {
    await gw.close();
    rmSync(dist, { recursive: true, force: true });
  });

  test('GET / answers index.html with a strict CSP and no caching', async () => {
    const res = await fetch(`${gw.url}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await res.text(), /<div id="root">/);
    const csp = res.headers.get('content-security-policy');
    assert.equal(csp, DASHBOARD_CSP);
    assert.match(csp!, /script-src 'self'(;|$)/, 'no inline or remote script');
    assert.match(csp!, /frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
  });

  test('hashed assets are served with their type and cached for good; HEAD has no body', async () => {
    const js = await fetch(`${gw.url}/assets/index-AbC123.js`);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(js.headers.get('cache-control')!, /immutable/);
    assert.equal(await js.text(), 'console.log("dashboard");');
    const css = await fetch(`${gw.url}/assets/index-AbC123.css`);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    const head = await rawGet(gw.url, '/assets/index-AbC123.js', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  test('nothing outside assets/ is reachable: traversal, encoded traversal, unknown names', async () => {
    for (const path of [
      '/assets/../secret.txt',
      '/assets/..%2fsecret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/missing.js',
      '/assets/',
    ]) {
      const res = await rawGet(gw.url, path);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(res.body, /not for the web/, path);
    }
    const secret = await rawGet(gw.url, '/secret.txt');
    assert.equal(secret.status, 404);
    assert.doesNotMatch(secret.body, /not for the web/);
  });

  test('other methods are refused; the API routes are unchanged', async () => {
    const post = await fetch(`${gw.url}/`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    const health = await fetch(`${gw.url}/healthz`);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const unknown = await fetch(`${gw.url}/no-such-route`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('x-parapet-error-code'), 'PARAPET_ROUTE_NOT_FOUND');
  });
});

describe('dashboard switched off or not built', () => {
  test('dashboard.enabled false: / is an unknown route', async () => {
    const gw = await startTestGateway({ config: { dashboard: { enabled: false } } });
    try {
      const res = await fetch(`${gw.url}/`);
      assert.equal(res.status, 404);
      assert.equal(res.headers.get('x-parapet-error-code'), 'PARAPET_ROUTE_NOT_FOUND');
    } finally {
      await gw.close();
    }
  });

  test('a dashboard.dir without index.html: 503 naming the fix, the gateway still serves', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'parapet-dash-empty-'));
    const gw = await startTestGateway({ config: { dashboard: { dir: empty } } });
    try {
      const res = await fetch(`${gw.url}/`);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('x-parapet-error-code'), 'PARAPET_DASHBOARD_NOT_BUILT');
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'PARAPET_DASHBOARD_NOT_BUILT');
      assert.match(body.error.message, /dashboard\.dir/);
      const health = await fetch(`${gw.url}/healthz`);
      assert.equal(health.status, 200);
    } finally {
      await gw.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
