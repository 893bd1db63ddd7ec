/** `value` as a literal inside a regular expression (outside a character class). */
export function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
