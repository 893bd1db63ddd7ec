export * from './linear-model.ts';
export * from './text-features.ts';
