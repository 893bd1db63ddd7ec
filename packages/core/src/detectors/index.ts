/**
 * The detection engine's public surface: the detector contract, detector definitions, the shared
 * normalisation layer, and each detector family's entry point. Family internals (rule tables,
 * recognisers, helpers) stay private to their folders.
 */

export * from './builtin.ts';
export * from './code/code.ts';
export * from './confidential/confidential.ts';
export * from './contract.ts';
export * from './dictionary/dictionary.ts';
export * from './fingerprint/fingerprint.ts';
export * from './harmful/index.ts';
export * from './normalize.ts';
export * from './pii/index.ts';
export * from './prompt-attack/index.ts';
export * from './registry.ts';
export * from './secrets/index.ts';
export * from './topics/topics.ts';
export * from './toxicity/index.ts';
