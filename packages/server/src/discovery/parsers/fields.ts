/** Splitting a log line into fields: delimited with optional double quotes, or separated by blanks. */

/**
 * Fields of one delimited line (RFC 4180 quoting: a quoted field may hold the delimiter, `""` is a
 * quote). Null when a quote is not closed on the line.
 */
export function splitDelimited(line: string, delimiter: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  const n = line.length;
  while (true) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (true) {
        const close = line.indexOf('"', i);
        if (close < 0) return null;
        value += line.slice(i, close);
        if (line[close + 1] === '"') {
          value += '"';
          i = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      // Anything between the closing quote and the delimiter is kept (lenient, as most tools are).
      const next = line.indexOf(delimiter, i);
      if (next < 0) {
        fields.push(value + line.slice(i));
        return fields;
      }
      fields.push(value + line.slice(i, next));
      i = next + delimiter.length;
    } else {
      const next = line.indexOf(delimiter, i);
      if (next < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, next));
      i = next + delimiter.length;
    }
    if (i > n) return fields;
    if (i === n) {
      fields.push('');
      return fields;
    }
  }
}

/**
 * Blank-separated fields, where a field may be wrapped in double quotes to hold blanks (`""` inside is a
 * quote), as W3C extended logs write them. Null when a quote is not closed.
 */
export function splitBlankSeparated(line: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    const char = line[i]!;
    if (char === ' ' || char === '\t') {
      i++;
      continue;
    }
    if (char === '"') {
      let value = '';
      i++;
      while (true) {
        const close = line.indexOf('"', i);
        if (close < 0) return null;
        value += line.slice(i, close);
        if (line[close + 1] === '"') {
          value += '"';
          i = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      fields.push(value);
      continue;
    }
    let end = i;
    while (end < n && line[end] !== ' ' && line[end] !== '\t') end++;
    fields.push(line.slice(i, end));
    i = end;
  }
  return fields;
}
