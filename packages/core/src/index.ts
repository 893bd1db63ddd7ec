export * from './detectors/contract.ts';
export * from './errors/codes.ts';
export * from './model/index.ts';
export * from './pipeline/decide.ts';
export * from './pipeline/segments.ts';
export * from './providers/index.ts';
export * from './streaming/index.ts';
