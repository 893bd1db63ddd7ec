/**
 * Signatures of SIEM deliveries: `x-parapet-signature: sha256=<hex HMAC-SHA256 of the raw body>` keyed
 * with the sink's secret. A receiver recomputes the HMAC over the exact bytes it received and compares
 * in constant time (verifySiemSignature, or the few lines of docs/operations.md in any language).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** `sha256=<hex>`: the HMAC-SHA256 of the body with the secret. */
export const SIGNATURE_HEADER = 'x-parapet-signature';
/** When the attempt was sent: ISO-8601 UTC. Not covered by the signature. */
export const TIMESTAMP_HEADER = 'x-parapet-timestamp';
/** The delivery id: the same batch of events always carries the same id (see docs/operations.md). */
export const DELIVERY_HEADER = 'x-parapet-delivery';

const PREFIX = 'sha256=';
const HEX_DIGEST_LENGTH = 64;

/** The signature header's value for `body`. */
export function signSiemBody(secret: string, body: string | Uint8Array): string {
  return PREFIX + createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * True when `header` is `sha256=<hex>` and the hex is the HMAC-SHA256 of `body` with `secret`. The
 * comparison takes the same time wherever the first difference is.
 */
export function verifySiemSignature(
  secret: string,
  body: string | Uint8Array,
  header: string | null | undefined,
): boolean {
  if (typeof header !== 'string' || !header.startsWith(PREFIX)) return false;
  const hex = header.slice(PREFIX.length).toLowerCase();
  if (hex.length !== HEX_DIGEST_LENGTH) return false;
  for (const char of hex) {
    if (!((char >= '0' && char <= '9') || (char >= 'a' && char <= 'f'))) return false;
  }
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'));
}
