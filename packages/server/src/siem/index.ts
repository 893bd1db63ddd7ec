/**
 * The SIEM webhook sink: stored events exported as signed NDJSON batches, with retries, a durable cursor
 * and a lease so one replica exports at a time. See docs/operations.md ("SIEM sink").
 * May import: the store, config types, the logger, core models, and the masked content view of
 * admin/events. Imported by main.ts and admin/.
 */
export { NDJSON_CONTENT_TYPE } from './delivery.ts';
export {
  createSiemExporter,
  deliveryId,
  SIEM_LEASE_MS,
  type SiemExporter,
  type SiemExporterOptions,
  type SiemRound,
} from './exporter.ts';
export {
  type ContentRedactor,
  RedactedContent,
  SIEM_RECORD_TYPE,
  SIEM_RECORD_VERSION,
  SiemRecord,
  siemRecord,
} from './record.ts';
export { createContentRedactor } from './redact.ts';
export { createSettingCas, type SettingCas } from './setting-cas.ts';
export {
  type EffectiveSiemSettings,
  loadSiemSettings,
  SIEM_SETTINGS_KEY,
  type SiemSettings,
  siemSettingsFromConfig,
} from './settings.ts';
export {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  signSiemBody,
  TIMESTAMP_HEADER,
  verifySiemSignature,
} from './signature.ts';
export { SIEM_STATE_KEY, SiemStateValue } from './state.ts';
