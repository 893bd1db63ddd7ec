export {
  type CompiledPolicy,
  compilePolicy,
  INPUT_ONLY_ACTIONS,
  isTimeZone,
  parseClock,
  parseDuration,
  tryParseDuration,
} from './evaluate.ts';
export { globMatch } from './glob.ts';
export * from './schema.ts';
export {
  closest,
  type PolicyCatalogue,
  type PolicyIssue,
  type PolicyValidation,
  validatePolicy,
} from './validate.ts';
