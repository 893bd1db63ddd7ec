/** The admin route table on its own: which route a path and method reach. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { type AdminRoute, createRouteTable, defineRoute } from '../../src/admin/index.ts';

function route(method: AdminRoute['method'], path: string): AdminRoute {
  return defineRoute({
    method,
    path,
    summary: path,
    permission: 'policies.read',
    response: z.object({}),
    handle: async () => ({}),
  });
}

const table = createRouteTable([
  route('GET', '/policies'),
  route('POST', '/policies'),
  route('GET', '/policies/{version}'),
  route('GET', '/policies/active'),
  route('POST', '/policies/validate'),
  route('GET', '/policies/{version}/diff'),
  route('POST', '/approvals/{id}/approve'),
]);

function found(method: string, path: string): { path: string; params: Record<string, string> } | string {
  const m = table.match(method, path);
  if (m.kind === 'found') return { path: m.route.path, params: m.params };
  return m.kind === 'method' ? `allow ${m.allowed.join(',')}` : 'none';
}

test('literal segments win over parameters, whatever the order of the table', () => {
  assert.deepEqual(found('GET', '/policies/active'), { path: '/policies/active', params: {} });
  assert.deepEqual(found('GET', '/policies/7'), { path: '/policies/{version}', params: { version: '7' } });
  assert.deepEqual(found('GET', '/policies/7/diff'), {
    path: '/policies/{version}/diff',
    params: { version: '7' },
  });
});

test('a known path with another method lists the methods it allows', () => {
  assert.equal(found('DELETE', '/policies'), 'allow GET,POST');
  // The most literal template decides: `validate` is not version `validate`.
  assert.equal(found('GET', '/policies/validate'), 'allow POST');
});

test('unknown paths, extra or missing segments, empty parameters and bad escapes match nothing', () => {
  for (const path of [
    '/',
    '/nope',
    '/policies/',
    '/policies/7/diff/x',
    '/approvals//approve',
    '/approvals/%E0%A4%A/approve',
  ]) {
    assert.equal(found('GET', path), 'none', path);
  }
});

test('parameters are percent-decoded', () => {
  assert.deepEqual(found('POST', '/approvals/a%2Fb%20c/approve'), {
    path: '/approvals/{id}/approve',
    params: { id: 'a/b c' },
  });
});

test('a duplicate route is refused when the table is built', () => {
  assert.throws(
    () => createRouteTable([route('GET', '/x/{a}'), route('GET', '/x/{b}')]),
    /duplicate admin route `GET \/x\/\{a\}`/,
  );
});
