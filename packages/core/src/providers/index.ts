export * from './anthropic-messages.ts';
export * from './echo.ts';
export * from './embeddings.ts';
export * from './openai-chat.ts';
export * from './openai-responses.ts';
export * from './wire-format.ts';
