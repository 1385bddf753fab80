/**
 * Small JSON checks that JSON.parse cannot do: it silently keeps the last of duplicate keys, and
 * it happily builds structures nested thousands of levels deep.
 */

/** Names of the top-level object's keys as written, duplicates included; null if not an object. */
export function topLevelKeys(text: string): string[] | null {
  const keys: string[] = [];
  let depth = 0;
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"') {
      // Find the end of the string, honouring escapes.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        keys.push(JSON.parse(text.slice(i, j + 1)) as string);
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (ch === '{' || ch === '[') {
      depth++;
      if (depth === 1 && ch !== '{') return null;
      if (depth === 1) expectKey = true;
    } else if (ch === '}' || ch === ']') {
      depth--;
    } else if (ch === ',' && depth === 1) {
      expectKey = true;
    }
    i++;
  }
  return keys;
}

/** Nesting depth of a parsed JSON value, without recursion (so no stack overflow on bombs). */
export function jsonDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    const here = depth + 1;
    if (here > max) max = here;
    if (max > limit) return max;
    for (const child of Object.values(node)) stack.push([child, here]);
  }
  return max;
}
