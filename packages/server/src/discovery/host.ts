/**
 * Host names out of what proxy logs put in a destination field: a bare host, `host:port` (CONNECT), a
 * URL with or without its scheme (`https://host/path`, `host/path` as Zscaler writes it), bracketed IPv6.
 */

/** Longest host name accepted (DNS limit). */
const MAX_HOST = 253;

/**
 * The lower-case host of `value` without port, user info or trailing dot; null when there is none or it
 * is not a plausible host name or IP address.
 */
export function hostOf(value: string): string | null {
  let text = value.trim();
  if (text === '' || text === '-') return null;
  const scheme = text.indexOf('://');
  if (scheme > 0 && scheme <= 16) text = text.slice(scheme + 3);
  let end = text.length;
  for (const stop of ['/', '?', '#']) {
    const at = text.indexOf(stop);
    if (at >= 0 && at < end) end = at;
  }
  let authority = text.slice(0, end);
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  let host: string;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return null;
    host = authority.slice(1, close);
    return isIpv6(host) ? host.toLowerCase() : null;
  }
  const colon = authority.indexOf(':');
  if (colon >= 0) {
    // A second colon: an IPv6 address without brackets.
    if (authority.indexOf(':', colon + 1) >= 0) return isIpv6(authority) ? authority.toLowerCase() : null;
    const port = authority.slice(colon + 1);
    if (port !== '' && !isDigits(port)) return null;
    host = authority.slice(0, colon);
  } else host = authority;
  host = host.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.length === 0 || host.length > MAX_HOST) return null;
  // Labels of 1 to 63 characters out of a-z, 0-9, `-` and `_` (seen in real host names).
  let label = 0;
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c === 46) {
      if (label === 0) return null;
      label = 0;
      continue;
    }
    const ok = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95;
    if (!ok || ++label > 63) return null;
  }
  return label === 0 ? null : host;
}

/** Whether `host` (as hostOf returns it) is an IPv4 or IPv6 address rather than a name. */
export function isIpAddress(host: string): boolean {
  if (host.includes(':')) return true;
  const parts = host.split('.');
  return parts.length === 4 && parts.every((p) => p.length > 0 && p.length <= 3 && isDigits(p));
}

function isIpv6(text: string): boolean {
  if (text.length < 2 || text.length > 45) return false;
  for (const char of text.toLowerCase()) {
    const ok = (char >= '0' && char <= '9') || (char >= 'a' && char <= 'f') || char === ':' || char === '.';
    if (!ok) return false;
  }
  return text.includes(':');
}

function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (const char of text) if (char < '0' || char > '9') return false;
  return true;
}
