/**
 * A keyword pre-pass for the prompt-attack signatures. Each signature may list the literal words that
 * every one of its matches needs (`Signature.literals`: groups of ASCII literals, one literal of every
 * group must occur in the text); one pass of a small Aho–Corasick automaton over the text finds which
 * literals occur, and a signature whose groups are not all present is not run at all. That skip is exact:
 * the regular expression could not have matched (test/detectors/prompt-attack/literals.test.ts checks,
 * from each pattern's source, that every string it matches contains a literal of each of its groups).
 *
 * Case: the signatures are case-insensitive without the `u` flag, under which an ASCII letter of the
 * pattern matches only the two ASCII cases of that letter (never KELVIN SIGN or long s), so the pass folds
 * ASCII letters only and treats every non-ASCII code unit as a separator. A case-sensitive signature gets
 * the same (weaker, still exact) filter.
 */

/** Which literals occur in a text, and through them which signatures can match. */
export interface LiteralFilter {
  /**
   * For each entry of the list the filter was built from: false when the text cannot match it (a group
   * of its literals has no occurrence), true otherwise (also for entries without literals).
   */
  possible(text: string): Uint8Array;
}

/** Builds the filter for `groupsPerEntry[i]` (undefined or empty = always possible). Literals: ASCII. */
export function createLiteralFilter(
  groupsPerEntry: ReadonlyArray<ReadonlyArray<readonly string[]> | undefined>,
): LiteralFilter {
  const literalIds = new Map<string, number>();
  const entryGroups: number[][][] = groupsPerEntry.map((groups) =>
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
  const table = new Uint16Array(states * classes);
  const fail = new Int32Array(states);
  const outputs: number[][] = new Array(states);
  outputs[0] = own[0]!;
  const queue = [0];
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    const row = state * classes;
    for (let cls = 1; cls < classes; cls++) {
      const child = goto[state]!.get(cls);
      const viaFail = state === 0 ? 0 : table[fail[state]! * classes + cls]!;
      if (child !== undefined) {
        fail[child] = viaFail;
        outputs[child] = [...own[child]!, ...outputs[viaFail]!];
        table[row + cls] = child;
        queue.push(child);
      } else {
        table[row + cls] = viaFail;
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

  const seen = new Uint32Array(literalIds.size);
  let stamp = 0;
  const possible = new Uint8Array(groupsPerEntry.length);

  return {
    possible(text: string): Uint8Array {
      stamp = (stamp + 1) >>> 0;
      if (stamp === 0) {
        seen.fill(0);
        stamp = 1;
      }
      let state = 0;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        state = table[state * classes + (code < 128 ? classOf[code]! : 0)]!;
        const end = outStart[state + 1]!;
        for (let k = outStart[state]!; k < end; k++) seen[outList[k]!] = stamp;
      }
      for (let e = 0; e < entryGroups.length; e++) {
        let ok = 1;
        for (const group of entryGroups[e]!) {
          let any = false;
          for (const id of group) {
            if (seen[id] === stamp) {
              any = true;
              break;
            }
          }
          if (!any) {
            ok = 0;
            break;
          }
        }
        possible[e] = ok;
      }
      return possible;
    },
  };
}
