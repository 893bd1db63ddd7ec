/**
 * Redaction: apply findings to text (tokenize, mask, hash), the token vault, and restoration of
 * placeholders in whole texts and streams. Pure: hashing is a function passed in by the caller.
 */
export {
  type AppliedRedaction,
  applyRedactions,
  MIN_LITERAL_LENGTH,
  REDACTION_MODES,
  type RedactionMode,
  type RedactionOptions,
  type RedactionPlanItem,
  type RedactionResult,
} from './apply-redactions.ts';
export { type MaskMode, maskSpans } from './mask-spans.ts';
export {
  type HashFunction,
  hashPlaceholder,
  isTokenPlaceholder,
  maskPlaceholder,
  placeholderLabel,
  tokenPlaceholder,
} from './placeholders.ts';
export { createRestorer, type Restorer, restoreText } from './restore.ts';
export type { TypedSpan } from './spans.ts';
export { emptyVault, TokenVault, TokenVaultEntry, vaultFrom } from './token-vault.ts';
export { valueTail } from './value-tail.ts';
