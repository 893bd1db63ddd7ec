import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressMatcher, presentedKey } from '../../src/identity/authenticate.ts';

test('exact addresses match themselves, including IPv4-mapped IPv6 forms', () => {
  const m = addressMatcher('10.1.2.3');
  assert.equal(m('10.1.2.3'), true);
  assert.equal(m('::ffff:10.1.2.3'), true);
  assert.equal(m('10.1.2.4'), false);
  assert.equal(addressMatcher('::1')('::1'), true);
  assert.equal(addressMatcher('::1')('127.0.0.1'), false);
});

test('IPv4 and IPv6 CIDR ranges', () => {
  const v4 = addressMatcher('10.0.0.0/8');
  assert.equal(v4('10.255.0.1'), true);
  assert.equal(v4('11.0.0.1'), false);
  assert.equal(addressMatcher('0.0.0.0/0')('192.168.1.1'), true);
  const v6 = addressMatcher('fd00::/8');
  assert.equal(v6('fd12:3456::1'), true);
  assert.equal(v6('fe80::1'), false);
  assert.equal(v6('garbage'), false);
});

test('invalid specs are refused at construction', () => {
  assert.throws(() => addressMatcher('not-an-ip'), /not an IP address/);
  assert.throws(() => addressMatcher('10.0.0.0/33'), /prefix length/);
  assert.throws(() => addressMatcher('fd00::/129'), /prefix length/);
});

test('the key comes from Authorization Bearer first, then x-api-key', () => {
  assert.equal(presentedKey({ authorization: 'Bearer abc', 'x-api-key': 'def' }), 'abc');
  assert.equal(presentedKey({ authorization: 'bearer   abc ' }), 'abc');
  assert.equal(presentedKey({ 'x-api-key': 'def' }), 'def');
  assert.equal(presentedKey({ authorization: 'Basic abc' }), null);
  assert.equal(presentedKey({}), null);
});
