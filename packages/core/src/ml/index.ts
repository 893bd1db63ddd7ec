export * from './dense-model.ts';
export * from './fast-features.ts';
export * from './linear-model.ts';
export * from './shipped-word-vectors.ts';
export * from './text-features.ts';
export * from './word-vectors.ts';
