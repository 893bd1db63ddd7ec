/**
 * A keyword pre-pass for the prompt-attack signatures. Each signature may list the literal words that
 * every one of its matches needs (`Signature.literals`: groups of ASCII literals, one literal of every
 * group must occur in the text); one pass of a small Aho–Corasick automaton over the text finds which
 * literals occur, and a signature whose groups are not all present is not run at all. That skip is exact:
 * the regular expression could not have matched (test/detectors/prompt-attack/literals.test.ts checks,
 * from each pattern's source, that every string it matches contains a literal of each of its groups).
 *
 * An entry may also name anchors: a group of its literals and a distance `within` such that every match
 * starts at most `within` code units before an occurrence of one of that group's literals (the group of
 * the pattern's leading words, with `within` 0, typically). The pattern then cannot match before the first
 * such occurrence minus `within` (the latest such bound over its anchors), and its search starts there
 * instead of at 0 (same leftmost match: the
 * match found at a given start does not depend on where the search began; `\b` and lookbehinds still see
 * the text before it). The test checks anchors against the pattern source as well.
 *
 * Case: the signatures are case-insensitive without the `u` flag, under which an ASCII letter of the
 * pattern matches only the two ASCII cases of that letter (never KELVIN SIGN or long s), so the pass folds
 * ASCII letters only and treats every non-ASCII code unit as a separator. A case-sensitive signature gets
 * the same (weaker, still exact) filter.
 */

/** Where a pattern's matches start relative to its literals (see the module comment). */
export interface LiteralAnchor {
  /** Index of the group in `literals`. */
  readonly group: number;
  /** Every match starts at most this many code units before an occurrence of a literal of the group. */
  readonly within: number;
}

/** What the filter needs of a pattern: its literal groups and optional anchor (both may be absent). */
export interface LiteralEntry {
  readonly literals?: ReadonlyArray<readonly string[]>;
  readonly anchors?: readonly LiteralAnchor[];
}

/** Which literals occur in a text, and through them which signatures can match, and from where. */
export interface LiteralFilter {
  /**
   * For each entry of the list the filter was built from: -1 when the text cannot match it (a group of
   * its literals has no occurrence), otherwise the index where its search may start (0 without anchor).
   * The array is reused by the next call.
   */
  starts(text: string): Int32Array;
}

/** Builds the filter for `entries` (no literals = always possible, from 0). Literals: printable ASCII. */
export function createLiteralFilter(entries: readonly LiteralEntry[]): LiteralFilter {
  const literalIds = new Map<string, number>();
  const entryGroups: number[][][] = entries.map(({ literals: groups }) =>
    (groups ?? []).map((group) =>
      group.map((literal) => {
        const key = literal.toLowerCase();
        if (key.length === 0 || !/^[\x20-\x7e]+$/.test(key))
          throw new Error(
            `signature literal must be printable ASCII and non-empty: ${JSON.stringify(literal)}`,
          );
        let id = literalIds.get(key);
        if (id === undefined) {
          id = literalIds.size;
          literalIds.set(key, id);
        }
        return id;
      }),
    ),
  );

  // Trie over the lower-cased literals; classes: the code units used (ASCII), 0 for every other one.
  const classOf = new Uint8Array(128);
  let classes = 1;
  for (const literal of literalIds.keys()) {
    for (let i = 0; i < literal.length; i++) {
      const code = literal.charCodeAt(i);
      if (classOf[code] === 0) classOf[code] = classes++;
    }
  }
  for (let c = 65; c <= 90; c++) classOf[c] = classOf[c + 32]!;
  const goto: Map<number, number>[] = [new Map()];
  const own: number[][] = [[]];
  for (const [literal, id] of literalIds) {
    let state = 0;
    for (let i = 0; i < literal.length; i++) {
      const cls = classOf[literal.charCodeAt(i)]!;
      let next = goto[state]!.get(cls);
      if (next === undefined) {
        next = goto.length;
        goto.push(new Map());
        own.push([]);
        goto[state]!.set(cls, next);
      }
      state = next;
    }
    own[state]!.push(id);
  }
  // Breadth-first: failure links, a dense table (state × class → state) and, per state, every literal
  // ending there (its own and those of its failure chain).
  const states = goto.length;
  const next = new Int32Array(states * classes);
  const fail = new Int32Array(states);
  const outputs: number[][] = new Array(states);
  outputs[0] = own[0]!;
  const queue = [0];
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    const row = state * classes;
    for (let cls = 1; cls < classes; cls++) {
      const child = goto[state]!.get(cls);
      const viaFail = state === 0 ? 0 : next[fail[state]! * classes + cls]!;
      if (child !== undefined) {
        fail[child] = viaFail;
        outputs[child] = [...own[child]!, ...outputs[viaFail]!];
        next[row + cls] = child;
        queue.push(child);
      } else {
        next[row + cls] = viaFail;
      }
    }
  }
  const outStart = new Int32Array(states + 1);
  const outIds: number[] = [];
  for (let s = 0; s < states; s++) {
    outStart[s] = outIds.length;
    outIds.push(...outputs[s]!);
  }
  outStart[states] = outIds.length;
  const outList = Int32Array.from(outIds);
  // Next states stored premultiplied by `classes` (one multiplication less per code unit); per such row,
  // 1 when literals end there.
  const rows = states * classes;
  const table = Int32Array.from(next, (s) => s * classes);
  const reports = new Uint8Array(rows);
  for (let s = 0; s < states; s++) reports[s * classes] = outStart[s + 1]! > outStart[s]! ? 1 : 0;

  // Per literal, the groups it belongs to (numbered across entries); per entry, its groups' numbers.
  const groupsOfLiteral: number[][] = Array.from({ length: literalIds.size }, () => []);
  let groupCount = 0;
  const entryGroupIds: Int32Array[] = entryGroups.map((groups) =>
    Int32Array.from(groups, (group) => {
      const g = groupCount++;
      for (const id of group) if (!groupsOfLiteral[id]!.includes(g)) groupsOfLiteral[id]!.push(g);
      return g;
    }),
  );
  const groupStart = new Int32Array(literalIds.size + 1);
  const groupList: number[] = [];
  for (let id = 0; id < literalIds.size; id++) {
    groupStart[id] = groupList.length;
    groupList.push(...groupsOfLiteral[id]!);
  }
  groupStart[literalIds.size] = groupList.length;
  const groupIds = Int32Array.from(groupList);

  const lengths = Int32Array.from(literalIds.keys(), (literal) => literal.length);
  /** Per entry: its anchors as (within, number of literals, literal ids…) runs, or null. */
  const anchors: (Int32Array | null)[] = entries.map(({ anchors: list }, e) => {
    if (list === undefined || list.length === 0) return null;
    const flat: number[] = [];
    for (const anchor of list) {
      const group = entryGroups[e]![anchor.group];
      if (group === undefined || !(anchor.within >= 0)) throw new Error(`bad literal anchor for entry ${e}`);
      flat.push(anchor.within, group.length, ...group);
    }
    return Int32Array.from(flat);
  });

  const seen = new Uint32Array(literalIds.size);
  /** Start of the first occurrence of each literal seen in the current text. */
  const first = new Int32Array(literalIds.size);
  const groupSeen = new Uint32Array(groupCount);
  let stamp = 0;
  const starts = new Int32Array(entries.length);

  return {
    starts(text: string): Int32Array {
      stamp = (stamp + 1) >>> 0;
      if (stamp === 0) {
        seen.fill(0);
        groupSeen.fill(0);
        stamp = 1;
      }
      const now = stamp;
      // `row` is the current state times the number of classes (the table holds next states that way).
      let row = 0;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        row = table[row + (code < 128 ? classOf[code]! : 0)]!;
        if (reports[row] === 1) {
          const state = row / classes;
          const end = outStart[state + 1]!;
          for (let k = outStart[state]!; k < end; k++) {
            const id = outList[k]!;
            if (seen[id] === now) continue;
            seen[id] = now;
            first[id] = i + 1 - lengths[id]!;
            const last = groupStart[id + 1]!;
            for (let j = groupStart[id]!; j < last; j++) groupSeen[groupIds[j]!] = now;
          }
        }
      }
      for (let e = 0; e < entryGroupIds.length; e++) {
        const groups = entryGroupIds[e]!;
        let ok = 1;
        for (let j = 0; j < groups.length; j++) {
          if (groupSeen[groups[j]!] !== now) {
            ok = 0;
            break;
          }
        }
        let start = ok === 1 ? 0 : -1;
        const anchor = anchors[e];
        if (ok === 1 && anchor != null) {
          for (let a = 0; a < anchor.length; ) {
            const within = anchor[a]!;
            const count = anchor[a + 1]!;
            let earliest = text.length;
            for (let j = a + 2; j < a + 2 + count; j++) {
              const id = anchor[j]!;
              if (seen[id] === now && first[id]! < earliest) earliest = first[id]!;
            }
            if (earliest - within > start) start = earliest - within;
            a += 2 + count;
          }
        }
        starts[e] = start;
      }
      return starts;
    },
  };
}
