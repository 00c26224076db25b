/**
 * Path-template matching for the API: '/tenants/{tenantId}/dids/{number}'. Templates are
 * split into segments once; a request path is split on '/', each segment matched as text
 * (literal segments win over parameters), and parameters are percent-decoded after the
 * split (so '%2F' inside a parameter never makes a new segment). Nothing from a request
 * ever becomes a regular expression.
 */

export type RouteMatch<T> =
  | { kind: 'found'; value: T; params: Record<string, string>; template: string }
  /** The path exists with other methods: answer 405 with Allow. */
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

interface Node<T> {
  literals: Map<string, Node<T>>;
  param?: { name: string; node: Node<T> };
  methods: Map<string, { value: T; template: string }>;
}

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const MAX_SEGMENTS = 32;

function newNode<T>(): Node<T> {
  return { literals: new Map(), methods: new Map() };
}

/** The parameter names of a template, in order. */
export function templateParams(template: string): string[] {
  return splitTemplate(template).flatMap((s) => (s.kind === 'param' ? [s.name] : []));
}

function splitTemplate(template: string): Array<{ kind: 'literal'; text: string } | { kind: 'param'; name: string }> {
  if (!template.startsWith('/')) throw new Error(`route template must start with '/': ${template}`);
  if (template === '/') return [];
  return template
    .slice(1)
    .split('/')
    .map((seg) => {
      if (seg === '') throw new Error(`empty segment in route template ${template}`);
      const m = PARAM.exec(seg);
      if (m) return { kind: 'param' as const, name: m[1]! };
      if (seg.includes('{') || seg.includes('}')) throw new Error(`a parameter must be a whole segment: ${template}`);
      return { kind: 'literal' as const, text: seg };
    });
}

export class RouteTable<T> {
  private readonly root: Node<T> = newNode();

  add(method: string, template: string, value: T): void {
    let node = this.root;
    const names = new Set<string>();
    for (const seg of splitTemplate(template)) {
      if (seg.kind === 'literal') {
        let next = node.literals.get(seg.text);
        if (!next) node.literals.set(seg.text, (next = newNode()));
        node = next;
      } else {
        if (names.has(seg.name)) throw new Error(`parameter {${seg.name}} twice in ${template}`);
        names.add(seg.name);
        if (node.param && node.param.name !== seg.name) {
          throw new Error(`{${seg.name}} in ${template} conflicts with {${node.param.name}} at the same place`);
        }
        node.param ??= { name: seg.name, node: newNode() };
        node = node.param.node;
      }
    }
    const m = method.toUpperCase();
    if (node.methods.has(m)) throw new Error(`duplicate route ${m} ${template}`);
    node.methods.set(m, { value, template });
  }

  /** `path` is the raw path (no query string), as it came on the request line. */
  match(method: string, path: string): RouteMatch<T> {
    if (!path.startsWith('/')) return { kind: 'not-found' };
    const raw = path === '/' ? [] : path.slice(1).split('/');
    if (raw.length > MAX_SEGMENTS || raw.some((s) => s === '')) return { kind: 'not-found' };
    const segs: string[] = [];
    for (const s of raw) {
      try {
        segs.push(decodeURIComponent(s));
      } catch {
        return { kind: 'not-found' };
      }
    }
    const m = method.toUpperCase();
    // The most literal path that has this method; else, whether any path matches (405).
    const node = this.walk(this.root, segs, 0, [], (n) => n.methods.has(m));
    if (!node) {
      const other = this.walk(this.root, segs, 0, [], (n) => n.methods.size > 0);
      return other ? { kind: 'method-not-allowed', allow: [...other.node.methods.keys()].sort() } : { kind: 'not-found' };
    }
    const hit = node.node.methods.get(m)!;
    const params: Record<string, string> = {};
    for (const [k, v] of node.params) params[k] = v;
    return { kind: 'found', value: hit.value, params, template: hit.template };
  }

  private walk(node: Node<T>, segs: string[], i: number, params: Array<[string, string]>, accept: (n: Node<T>) => boolean): { node: Node<T>; params: Array<[string, string]> } | undefined {
    if (i === segs.length) return accept(node) ? { node, params } : undefined;
    const seg = segs[i]!;
    const lit = node.literals.get(seg);
    if (lit) {
      const r = this.walk(lit, segs, i + 1, params, accept);
      if (r) return r;
    }
    if (node.param) return this.walk(node.param.node, segs, i + 1, [...params, [node.param.name, seg]], accept);
    return undefined;
  }
}
