// A differential check of the ajv validator against the hand-written one it replaced
// (taken from git): random bodies and queries, drawn from every admin route's own schemas
// and mutated, must get exactly the same problems (paths, messages, order) from both.
//   Run: node_modules/.bin/node --import tsx bench/api/parity.ts [seed] [git ref]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminRoutes } from '../../src/app/admin-routes.js';
import { validateSchema as neu } from '../../src/admin/schema-validator.js';

const work = mkdtempSync(join(tmpdir(), 'pbx-parity-'));
writeFileSync(join(work, 'json-schema.ts'), execFileSync('git', ['show', `${process.argv[3] ?? '8b05c4b'}:src/admin/json-schema.ts`], { encoding: 'utf8' }));
const old = (await import(join(work, 'json-schema.ts'))) as any;
rmSync(work, { recursive: true, force: true });
let invalid = 0;
// Only the route definitions are read (no handler runs): the parts are empty shells.
const cfg = { dataDir: '/tmp/x', trunks: [] };
const p: any = new Proxy({ config: () => cfg, system: { tokens: {} }, pool: {}, clock: { now: () => 0 }, logger: {}, calls: {}, tenantsChanged: () => {}, drains: {} }, { get: (t, k) => (k in t ? (t as any)[k] : undefined) });
const { routes } = adminRoutes(p);
let seed = Number(process.argv[2] ?? 7);
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T,>(a: T[]) => a[Math.floor(rnd() * a.length)]!;
const weird = () => pick<unknown>([null, 0, -1, 1.5, 1e9, '', 'x', 'Acme', '1001', '+14155550100', 'a'.repeat(300), true, [], ['x'], ['x', 'x'], {}, { a: 1 }, 'SHA-256', 'MD5', 'hangup', { type: 'extension', ext: '1001' }, '\u0000', 'é😀']);
function sample(s: any, depth = 0): unknown {
  if (!s || typeof s !== 'object' || depth > 4) return weird();
  if (rnd() < 0.15) return weird();
  if (s.const !== undefined) return s.const;
  if (s.enum) return pick(s.enum);
  if (s.oneOf) return sample(pick(s.oneOf), depth + 1);
  const t = Array.isArray(s.type) ? pick(s.type) : s.type;
  if (t === 'object' || s.properties) {
    const o: any = {};
    for (const [k, v] of Object.entries(s.properties ?? {})) if (rnd() < 0.7) o[k] = sample(v, depth + 1);
    if (rnd() < 0.1) o['extra'] = 1;
    return o;
  }
  if (t === 'array') return Array.from({ length: Math.floor(rnd() * 4) }, () => sample(s.items, depth + 1));
  if (t === 'string') return pick(['', 'abc', '1001', '+14155550100', 'x'.repeat(70), 'Acme Corp', 'a-b', s.examples?.[0] ?? 'q']);
  if (t === 'integer') return pick([0, 1, -1, 5, 100001, 3.5]);
  if (t === 'number') return pick([0, 1.5, -1]);
  if (t === 'boolean') return pick([true, false, 'true']);
  return weird();
}
let n = 0, diff = 0;
const seen = new Map<string, number>();
for (const r of routes) for (const s of [r.body, r.query]) {
  if (!s) continue;
  for (let i = 0; i < 400; i++) {
    const v = sample(s);
    const a = JSON.stringify(old.validateSchema(s, v));
    const b = JSON.stringify(neu(s, v));
    n++;
    if (b !== '[]') invalid++;
    if (a !== b) {
      diff++;
      const key = `${r.method} ${r.path}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      if ((seen.get(key) ?? 0) <= 2) console.log(key, JSON.stringify(v).slice(0, 200), '\n  old', a.slice(0, 300), '\n  new', b.slice(0, 300));
    }
  }
}
if (diff > 0) process.exitCode = 1;
console.log({ invalid, routes: routes.length, n, diff, byRoute: Object.fromEntries(seen) });
