/**
 * Matches a model name against a pattern where `*` stands for any run of characters (possibly empty)
 * and every other character is literal. No RegExp: the pattern is split on `*`, the first piece must be
 * a prefix, the last a suffix, and the middle pieces are found left to right, each at its leftmost
 * position (greedy leftmost matching is exact for `*`-only patterns), so there is no backtracking.
 */
export function globMatch(pattern: string, name: string): boolean {
  const star = pattern.indexOf('*');
  if (star === -1) return pattern === name;
  const pieces = pattern.split('*');
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (name.length < first.length + last.length) return false;
  if (!name.startsWith(first) || !name.endsWith(last)) return false;
  let position = first.length;
  const end = name.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    if (piece.length === 0) continue;
    const found = name.indexOf(piece, position);
    if (found === -1 || found + piece.length > end) return false;
    position = found + piece.length;
  }
  return true;
}
