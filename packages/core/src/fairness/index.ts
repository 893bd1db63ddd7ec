export * from './audit.ts';
export * from './mitigation.ts';
export * from './random.ts';
export * from './types.ts';
