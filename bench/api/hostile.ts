// What one hostile body costs to validate (it arrives after authentication, up to the 1 MiB
// body cap): tens of thousands of problems of one kind. ajv (src/admin/schema-validator.ts)
// against the hand-written validator it replaced (from git), best of 6 runs each (the first runs are cold: the JIT has not optimised the code yet).
//   Run: node_modules/.bin/node --import tsx bench/api/hostile.ts [items] [git ref] [case filter, a word of its label]
// (the hand-written uniqueItems is quadratic: 20000 domains take seconds, 80000 minutes)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouteDef } from '../../src/admin/api-types.js';
import { validateSchema } from '../../src/admin/schema-validator.js';
import { adminRoutes } from '../../src/app/admin-routes.js';

const n = Number(process.argv[2] ?? 20_000);
const work = mkdtempSync(join(tmpdir(), 'pbx-hostile-'));
writeFileSync(join(work, 'json-schema.ts'), execFileSync('git', ['show', `${process.argv[3] ?? '8b05c4b'}:src/admin/json-schema.ts`], { encoding: 'utf8' }));
const old = (await import(join(work, 'json-schema.ts'))) as { validateSchema: typeof validateSchema };
rmSync(work, { recursive: true, force: true });

// Only the route definitions are read (no handler runs): the parts are empty shells.
const cfg = { dataDir: '/nonexistent', trunks: [] };
const parts = { config: () => cfg, system: { tokens: {} }, pool: {}, clock: { now: () => 0 }, logger: {}, calls: {}, tenantsChanged: () => {}, drains: {} };
const { routes } = adminRoutes(parts as unknown as Parameters<typeof adminRoutes>[0]);
const body = (method: string, path: string) => (routes.find((r: RouteDef<any>) => r.method === method && r.path === path)!.body)!;
const many = <T>(f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));

const cases: Array<[string, Record<string, unknown>, unknown]> = [
  [`${n} unknown properties`, body('POST', '/tenants/{tenantId}/extensions'), Object.fromEntries(many((i) => [`k${i}`, i]))],
  [`${n} domains, numbers (uniqueItems)`, body('POST', '/tenants'), { id: 'a', name: 'A', domains: many((i) => i) }],
  [`${n} menu options, each no destination (oneOf)`, body('PUT', '/tenants/{tenantId}/call-flows'), { ivrs: [{ name: 'm', options: Object.fromEntries(many((i) => [`${i}`, i])) }] }],
];
const best = (f: () => unknown) => {
  let ms = Infinity;
  for (let i = 0; i < 6; i++) {
    const t0 = process.hrtime.bigint();
    f();
    ms = Math.min(ms, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return ms;
};
for (const [label, schema, value] of cases.filter(([label]) => label.includes(process.argv[4] ?? ''))) {
  const bytes = JSON.stringify(value).length;
  const a = best(() => validateSchema(schema, value));
  const b = best(() => old.validateSchema(schema, value));
  console.log(`${label.padEnd(44)} ${String(bytes).padStart(8)} bytes   hand-written ${b.toFixed(0).padStart(7)} ms   ajv ${a.toFixed(0).padStart(6)} ms`);
}
