/**
 * Where an admin request really comes from. Behind a TLS-terminating reverse proxy the socket shows the
 * proxy's address over plain HTTP; when (and only when) the socket's peer is one of
 * `admin.trusted_proxies`, its `X-Forwarded-For` and `X-Forwarded-Proto` are believed. The client is then
 * the rightmost forwarded address that is not itself a trusted proxy (addresses further left were written
 * by the client and prove nothing), and the request counts as TLS when the nearest proxy says `https`.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { addressMatcher } from '../identity/authenticate.ts';

export interface ClientOrigin {
  /** The client's address, or null when unknown. */
  ip: string | null;
  /** The client's connection used TLS (to us, or to a trusted proxy). */
  secure: boolean;
}

/** A function of the request; `trusted` are IPs or CIDR ranges (checked by the config schema). */
export function clientOriginResolver(trusted: readonly string[]): (req: IncomingMessage) => ClientOrigin {
  const matchers = trusted.map(addressMatcher);
  const isTrusted = (address: string): boolean => matchers.some((m) => m(address));
  return (req) => {
    const peer = req.socket.remoteAddress ?? null;
    const tls = (req.socket as Partial<TLSSocket>).encrypted === true;
    if (peer === null || matchers.length === 0 || !isTrusted(peer)) return { ip: peer, secure: tls };
    return { ip: forwardedClient(req, isTrusted) ?? peer, secure: tls || forwardedHttps(req) };
  };
}

/** The rightmost `X-Forwarded-For` address that is not a trusted proxy; null when there is none. */
function forwardedClient(req: IncomingMessage, isTrusted: (a: string) => boolean): string | null {
  const header = req.headers['x-forwarded-for'];
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (raw === undefined) return null;
  const hops = raw.split(',').map((h) => h.trim());
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) return null; // a malformed hop: believe nothing further left
    if (!isTrusted(hop)) return hop;
  }
  return hops[0] ?? null;
}

/** The nearest proxy's `X-Forwarded-Proto` (the last value when several proxies appended one). */
function forwardedHttps(req: IncomingMessage): boolean {
  const header = req.headers['x-forwarded-proto'];
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (raw === undefined) return false;
  const last = raw.split(',').pop()?.trim().toLowerCase();
  return last === 'https';
}
