/**
 * The order the API lists validation problems in, which clients see in the 422's message
 * ("the first five"): the order of the value sent, not of the schema. A problem about a
 * value comes before those about its parts; an object's missing required properties come
 * before its present properties, and those in the order they were sent; array items by
 * index. Each JSON pointer gets a sort key (a list of numbers) compared element by element.
 */

/** Before every present property: where a missing (required) one sorts. */
const MISSING = -1;

/** A pointer's place: one number per step; `after`: after everything under it. */
export interface SortKey {
  steps: readonly number[];
  after: boolean;
}

/** Decodes one RFC 6901 reference token. */
function unescapeToken(t: string): string {
  return t.includes('~') ? t.replace(/~1/g, '/').replace(/~0/g, '~') : t;
}

interface Place {
  steps: number[];
  /** The value at the pointer, when it exists. */
  node: unknown;
}

/**
 * Sort keys of JSON pointers into one value. A hostile body can bring tens of thousands
 * of problems: each pointer costs one step from its parent's, which is remembered, and
 * each object's key positions are listed once.
 */
export class DataOrder {
  private readonly positions = new Map<object, Map<string, number>>();
  private readonly places: Map<string, Place>;

  constructor(root: unknown) {
    this.places = new Map([['', { steps: [], node: root }]]);
  }

  /** The key of `pointer`, or of its property `child` (a token, not escaped). */
  keyOf(pointer: string, child?: string, after = false): SortKey {
    const p = this.place(pointer);
    if (child === undefined) return { steps: p.steps, after };
    return { steps: [...p.steps, this.step(p.node, child).i], after };
  }

  private place(pointer: string): Place {
    const known = this.places.get(pointer);
    if (known) return known;
    const cut = pointer.lastIndexOf('/');
    const parent = this.place(cut <= 0 ? '' : pointer.slice(0, cut));
    const { i, child } = this.step(parent.node, unescapeToken(pointer.slice(cut + 1)));
    const p = { steps: [...parent.steps, i], node: child };
    // Only containers are parents of other pointers.
    if (child !== null && typeof child === 'object') this.places.set(pointer, p);
    return p;
  }

  private step(node: unknown, token: string): { i: number; child: unknown } {
    if (Array.isArray(node)) {
      const i = /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : MISSING;
      return { i, child: i >= 0 ? node[i] : undefined };
    }
    if (node !== null && typeof node === 'object') {
      const i = this.positionIn(node, token);
      return { i, child: i >= 0 ? (node as Record<string, unknown>)[token] : undefined };
    }
    return { i: MISSING, child: undefined };
  }

  private positionIn(obj: object, key: string): number {
    let m = this.positions.get(obj);
    if (!m) {
      m = new Map();
      let i = 0;
      for (const k of Object.keys(obj)) m.set(k, i++);
      this.positions.set(obj, m);
    }
    return m.get(key) ?? MISSING;
  }
}

/**
 * Step by step; a key that is a prefix of another (the whole before its parts) is less,
 * unless it is `after`: then it is greater than all its parts.
 */
export function compareKeys(a: SortKey, b: SortKey): number {
  const n = Math.min(a.steps.length, b.steps.length);
  for (let i = 0; i < n; i++) if (a.steps[i] !== b.steps[i]) return a.steps[i]! < b.steps[i]! ? -1 : 1;
  const rank = (k: SortKey, len: number) => (k.steps.length > len ? 1 : k.after ? 2 : 0);
  return rank(a, n) - rank(b, n);
}
