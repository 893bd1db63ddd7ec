import type { IncomingHttpHeaders } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { ParapetError, type Principal } from '@parapet/core';
import type { KeyRecord, KeyStore } from '../store/ports.ts';
import { keyUsability, parseVirtualKey, verifyVirtualKey } from './virtual-keys.ts';

export interface TrustedIdentityOptions {
  enabled: boolean;
  /** Remote addresses allowed to assert identity headers (exact IPs or IPv4 CIDRs). */
  sources: readonly string[];
  headers: { user: string; groups: string; app: string };
}

export interface AuthenticatorOptions {
  keys: Pick<KeyStore, 'findKey'>;
  /** How long a looked-up key record is reused before it is read again (revocation delay). */
  cacheTtlMs: number;
  trusted: TrustedIdentityOptions;
  now: () => number;
}

export interface AuthInput {
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
}

export type Authenticator = (input: AuthInput) => Promise<Principal>;

/** Pulls the presented key from `Authorization: Bearer` or `x-api-key`. */
export function presentedKey(headers: IncomingHttpHeaders): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') {
    return auth.slice(7).trim();
  }
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return apiKey.trim();
  return null;
}

/**
 * Resolves the caller to a Principal: a Parapet virtual key, or (when enabled and the request comes from
 * a configured source address) identity headers set by an SSO proxy in front. A key always wins over
 * headers. Key records are cached for `cacheTtlMs`, so a revocation takes effect within that time.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const cache = new Map<string, { record: KeyRecord | null; at: number }>();
  const trustedMatchers = options.trusted.sources.map(addressMatcher);

  async function lookup(id: string): Promise<KeyRecord | null> {
    const now = options.now();
    const hit = cache.get(id);
    if (hit !== undefined && now - hit.at < options.cacheTtlMs) return hit.record;
    const record = await options.keys.findKey(id);
    if (cache.size > 10_000) cache.clear();
    cache.set(id, { record, at: now });
    return record;
  }

  return async function authenticate(input) {
    const token = presentedKey(input.headers);
    if (token !== null) {
      const parsed = parseVirtualKey(token);
      if (parsed === null) throw invalidKey();
      const record = await lookup(parsed.id);
      if (record === null || !verifyVirtualKey(record, token)) throw invalidKey();
      const usable = keyUsability(record, new Date(options.now()));
      if (usable === 'expired')
        throw new ParapetError('PARAPET_AUTH_EXPIRED_KEY', 'the key has expired; ask for a new one');
      if (usable === 'revoked') throw new ParapetError('PARAPET_AUTH_REVOKED_KEY', 'the key was revoked');
      return {
        keyId: record.id,
        user: record.user,
        groups: record.groups,
        app: record.app,
        models: record.models,
        via: 'key',
      };
    }
    if (options.trusted.enabled && isTrustedSource(input.remoteAddress, trustedMatchers)) {
      const user = headerValue(input.headers, options.trusted.headers.user);
      if (user !== null) {
        const groups = headerValue(input.headers, options.trusted.headers.groups);
        return {
          keyId: null,
          user,
          groups:
            groups === null
              ? []
              : groups
                  .split(',')
                  .map((g) => g.trim())
                  .filter((g) => g.length > 0),
          app: headerValue(input.headers, options.trusted.headers.app),
          models: null,
          via: 'trusted-header',
        };
      }
    }
    throw new ParapetError(
      'PARAPET_AUTH_MISSING_KEY',
      'no API key was sent; pass a Parapet virtual key as `Authorization: Bearer <key>` or `x-api-key`',
    );
  };
}

function invalidKey(): ParapetError {
  return new ParapetError('PARAPET_AUTH_INVALID_KEY', 'the API key is not a valid Parapet key');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const v = headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined) return null;
  const t = s.trim();
  return t.length === 0 || t.length > 256 ? null : t;
}

type AddressMatcher = (address: string) => boolean;

/** An exact IPv4/IPv6 address, or a CIDR of either family such as `10.0.0.0/8` or `fd00::/8`. */
export function addressMatcher(spec: string): AddressMatcher {
  const list = new BlockList();
  const slash = spec.indexOf('/');
  const base = slash < 0 ? spec : spec.slice(0, slash);
  const family = isIP(base);
  if (family === 0) throw new Error(`trusted source \`${spec}\` is not an IP address or a CIDR range`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (slash < 0) {
    list.addAddress(base, type);
  } else {
    const bits = Number(spec.slice(slash + 1));
    if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) {
      throw new Error(`trusted source \`${spec}\` has an invalid prefix length`);
    }
    list.addSubnet(base, bits, type);
  }
  return (address) => {
    const plain = normaliseAddress(address);
    const fam = isIP(plain);
    return fam !== 0 && list.check(plain, fam === 4 ? 'ipv4' : 'ipv6');
  };
}

function isTrustedSource(address: string | undefined, matchers: readonly AddressMatcher[]): boolean {
  if (address === undefined) return false;
  for (const m of matchers) if (m(address)) return true;
  return false;
}

function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
