export * from './scan.ts';
export * from './scan-input.ts';
export * from './scan-result.ts';
