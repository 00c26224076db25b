/**
 * The order the API lists validation problems in, which clients see in the 422's message
 * ("the first five"): the order of the value sent, not of the schema. A problem about a
 * value comes before those about its parts; an object's missing required properties come
 * before its present properties, and those in the order they were sent; array items by
 * index. Each JSON pointer gets a sort key (a list of numbers) compared element by element.
 */

/** Before every present property: where a missing (required) one sorts. */
const MISSING = -1;

/** Decodes one RFC 6901 reference token. */
function unescapeToken(t: string): string {
  return t.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** A function from a JSON pointer into `root` to its sort key. */
export function dataOrder(root: unknown): (pointer: string) => number[] {
  // Each object's key positions, made once however many problems point into it.
  const positions = new Map<object, Map<string, number>>();
  const positionIn = (obj: object, key: string): number => {
    let m = positions.get(obj);
    if (!m) {
      m = new Map(Object.keys(obj).map((k, i) => [k, i]));
      positions.set(obj, m);
    }
    return m.get(key) ?? MISSING;
  };
  return (pointer) => {
    if (pointer === '') return [];
    const key: number[] = [];
    let node: unknown = root;
    for (const raw of pointer.slice(1).split('/')) {
      const token = unescapeToken(raw);
      if (Array.isArray(node)) {
        const i = /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : MISSING;
        key.push(i);
        node = i >= 0 ? node[i] : undefined;
      } else if (node !== null && typeof node === 'object') {
        const i = positionIn(node, token);
        key.push(i);
        node = i >= 0 ? (node as Record<string, unknown>)[token] : undefined;
      } else {
        key.push(MISSING);
        node = undefined;
      }
    }
    return key;
  };
}

/** Element by element; a key that is a prefix of another (the whole before its parts) is less. */
export function compareOrder(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length;
}
