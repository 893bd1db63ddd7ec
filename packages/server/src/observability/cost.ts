/** Prices of one model, in USD per million tokens (the `price` entry of the model table). */
export interface ModelPrice {
  input_per_mtok: number;
  output_per_mtok: number;
}

/** Token counts of one request. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/**
 * The cost of one request in USD, rounded to 1e-9 (a nano-dollar). Null when no price is known, no usage
 * is known, or a number is negative or not finite.
 */
export function computeCostUsd(
  price: ModelPrice | null | undefined,
  usage: TokenUsage | null,
): number | null {
  if (price === null || price === undefined || usage === null) return null;
  const { input_per_mtok: inputPrice, output_per_mtok: outputPrice } = price;
  const { inputTokens, outputTokens } = usage;
  for (const n of [inputPrice, outputPrice, inputTokens, outputTokens]) {
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return null;
  }
  const usd = (inputTokens * inputPrice + outputTokens * outputPrice) / 1_000_000;
  return Math.round(usd * 1e9) / 1e9;
}
