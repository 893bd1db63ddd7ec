// @arcjet/redact as a benchmark target: local PII redaction in WebAssembly shipped inside the package
// (no network: the .wasm is inlined in @arcjet/redact-wasm). Built-in entities only: email, phone number,
// IP address, credit card number. It has no secrets check. `redact()` instantiates the WebAssembly
// component on every call (its public API offers no reusable instance), so that cost is in its timings.

import { importPeer, peerVersion } from './load.ts';
import type { TypedSpan } from './spans.ts';
import { locateValues } from './spans.ts';
import type { BenchTarget } from './types.ts';

type ArcjetEntity = 'email' | 'phone-number' | 'ip-address' | 'credit-card-number';
interface RedactModule {
  redact(
    candidate: string,
    options?: { replace?: (entity: ArcjetEntity, plaintext: string) => string | undefined },
  ): Promise<[string, (input: string) => string]>;
}

/** Arcjet entity → Presidio entity name. */
export const ARCJET_TYPE_MAP: Readonly<Record<string, string>> = {
  email: 'EMAIL_ADDRESS',
  'phone-number': 'PHONE_NUMBER',
  'ip-address': 'IP_ADDRESS',
  'credit-card-number': 'CREDIT_CARD',
};

/** Builds the Arcjet target; rejects when its WebAssembly cannot be instantiated offline. */
export async function createArcjetRedactTarget(): Promise<BenchTarget> {
  const { redact } = await importPeer<RedactModule>('@arcjet/redact');
  const probe = 'mail ada@example.com';
  const [out] = await redact(probe);
  if (out === probe) throw new Error('@arcjet/redact ran but redacted nothing in a known email address');
  return {
    id: 'arcjet-redact',
    label: `@arcjet/redact ${peerVersion('@arcjet/redact')}`,
    checks: ['redact() with its built-in entities (email, phone, IP, card), WebAssembly'],
    typeMap: ARCJET_TYPE_MAP,
    piiTypes: [...new Set(Object.values(ARCJET_TYPE_MAP))],
    async all(text) {
      const [redacted] = await redact(text);
      return redacted !== text;
    },
    async pii(text): Promise<TypedSpan[]> {
      // The replace hook sees each entity and its text (offsets are not exposed); returning undefined keeps
      // Arcjet's own placeholder.
      const values: { type: string; value: string }[] = [];
      await redact(text, {
        replace: (entity, plaintext) => {
          values.push({ type: ARCJET_TYPE_MAP[entity] ?? entity, value: plaintext });
          return undefined;
        },
      });
      return locateValues(text, values);
    },
    parts() {
      return { pii: (text) => redact(text) };
    },
  };
}
