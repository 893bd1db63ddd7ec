import { ParapetError } from '@parapet/core';
import { UpstreamError, UpstreamStatusError, UpstreamTimeoutError } from '../upstream/index.ts';
import type { UpstreamSpec } from './plan.ts';

/** Maps a transport failure (after retries and fallbacks) to the client's error. */
export function upstreamFailure(err: unknown): ParapetError {
  if (err instanceof ParapetError) return err;
  if (err instanceof UpstreamTimeoutError) {
    return new ParapetError(
      'PARAPET_UPSTREAM_TIMEOUT',
      'the upstream did not answer in time; try again later',
      {
        cause: err,
      },
    );
  }
  if (err instanceof UpstreamStatusError && err.status < 500 && err.status !== 429) {
    return new ParapetError(
      'PARAPET_UPSTREAM_REJECTED',
      `the upstream refused the request with status ${err.status}`,
      {
        status: err.status,
        cause: err,
      },
    );
  }
  if (err instanceof UpstreamError) {
    return new ParapetError(
      'PARAPET_UPSTREAM_UNAVAILABLE',
      'every upstream for this model failed after retries and fallbacks; try again later',
      { cause: err },
    );
  }
  return new ParapetError('PARAPET_GATEWAY_INTERNAL', 'the gateway failed while calling the upstream', {
    cause: err,
  });
}

/**
 * An upstream 4xx, passed on with the upstream's own message (its credentials masked). A 401/403 from the
 * upstream is the gateway's configuration problem, not the client's, so it becomes a 502.
 */
export function upstreamRejection(
  upstream: UpstreamSpec,
  status: number,
  body: Buffer | undefined,
): ParapetError {
  const detail = upstreamMessage(body, upstream.apiKey);
  if (status === 401 || status === 403) {
    return new ParapetError(
      'PARAPET_UPSTREAM_UNAVAILABLE',
      `upstream \`${upstream.name}\` rejected the gateway's credentials (status ${status}); check its api_key`,
      { status: 502 },
    );
  }
  const suffix = detail === null ? '' : `: ${detail}`;
  return new ParapetError(
    'PARAPET_UPSTREAM_REJECTED',
    `upstream \`${upstream.name}\` refused the request${suffix}`,
    {
      status: status >= 400 && status < 500 ? status : 502,
    },
  );
}

function upstreamMessage(body: Buffer | undefined, apiKey: string | null): string | null {
  if (body === undefined || body.length === 0) return null;
  let message: unknown;
  try {
    const parsed = JSON.parse(body.subarray(0, 65536).toString('utf8')) as Record<string, unknown>;
    const error = parsed.error as Record<string, unknown> | string | undefined;
    message = typeof error === 'string' ? error : (error?.message ?? parsed.message);
  } catch {
    return null;
  }
  if (typeof message !== 'string' || message.length === 0) return null;
  let text = message.slice(0, 500);
  if (apiKey !== null && apiKey.length >= 8) text = text.split(apiKey).join('[redacted]');
  // Provider keys quoted back in messages (partially masked or not) are removed whole.
  text = text.replace(/\b(?:sk|ppk|sk-ant|sk-proj)[-_][A-Za-z0-9_*-]{6,}/g, '[redacted]');
  return text;
}
