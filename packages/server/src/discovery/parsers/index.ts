/** The log formats discovery reads, by name. */
import { cefFormat } from './cef.ts';
import { csvFormat } from './csv.ts';
import { squidFormat } from './squid.ts';
import type { LogFormat, LogFormatName } from './types.ts';
import { w3cFormat } from './w3c.ts';
import { zscalerFormat } from './zscaler.ts';

export * from './types.ts';

export const LOG_FORMAT_TABLE: Readonly<Record<LogFormatName, LogFormat>> = Object.freeze({
  squid: squidFormat,
  csv: csvFormat,
  w3c: w3cFormat,
  zscaler: zscalerFormat,
  cef: cefFormat,
});

export function logFormat(name: LogFormatName): LogFormat {
  return LOG_FORMAT_TABLE[name];
}
