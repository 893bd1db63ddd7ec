export * from './chat.ts';
export * from './decision.ts';
export * from './event.ts';
export * from './finding.ts';
export * from './principal.ts';
export * from './segment.ts';
