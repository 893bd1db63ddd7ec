/**
 * Suggests the known name closest to a misspelt one, or null when nothing is close. Names that differ
 * only in case, `_`/`-` or camelCase (`bodyLimitBytes` → `body_limit_bytes`) always match; a name that
 * extends the other (`warning`/`warn`) counts as one edit; otherwise the edit distance must be at most 2
 * (at most 1 for names of 4 characters or fewer).
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | null {
  const normalizedInput = normalize(input);
  const limit = input.length <= 4 ? 1 : 2;
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const normalizedCandidate = normalize(candidate);
    if (normalizedCandidate === normalizedInput) return candidate;
    // One name extends the other (`warning` → `warn`, `fallback` → `fallbacks`): counts as one edit.
    const shorter = Math.min(normalizedCandidate.length, normalizedInput.length);
    if (
      shorter >= 3 &&
      (normalizedCandidate.startsWith(normalizedInput) || normalizedInput.startsWith(normalizedCandidate))
    ) {
      if (bestDistance > 1) {
        best = candidate;
        bestDistance = 1;
      }
      continue;
    }
    // Bounded work: names this far apart in length cannot be within the limit.
    if (Math.abs(candidate.length - input.length) > limit || input.length > 64) continue;
    const distance = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function normalize(name: string): string {
  let out = '';
  for (const char of name) {
    if (char !== '_' && char !== '-') out += char.toLowerCase();
  }
  return out;
}

/** Damerau-Levenshtein distance (optimal string alignment), two rows plus the one before. */
function editDistance(a: string, b: string): number {
  let previousPrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, previousPrevious[j - 2]! + 1);
      }
      current.push(value);
    }
    previousPrevious = previous;
    previous = current;
  }
  return previous[b.length]!;
}
