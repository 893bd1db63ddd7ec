export * from './detectors/contract.ts';
export * from './errors/codes.ts';
export * from './model/index.ts';
export * from './pipeline/decide.ts';
