// How many API bodies per second the JSON Schema validation checks: a typical
// POST /tenants/{id}/extensions body (valid, and one with three problems), by ajv
// (src/admin/schema-validator.ts) and, for comparison, by the hand-written validator it
// replaced, taken from git (default: the commit before the change).
//   Run: node_modules/.bin/node --import tsx bench/api/validate.ts [seconds per case] [git ref]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extensionRoutes } from '../../src/admin/routes/tenant-extensions.js';
import type { SchemaProblem } from '../../src/admin/schema-problems.js';
import type { TenantResourceDeps } from '../../src/admin/routes/tenant-resource-kit.js';

const seconds = Number(process.argv[2] ?? 2);
const beforeRef = process.argv[3] ?? '8b05c4b';
type Validate = (schema: Record<string, unknown>, value: unknown) => SchemaProblem[];

const route = extensionRoutes({} as TenantResourceDeps).find((r) => r.method === 'POST' && r.path === '/tenants/{tenantId}/extensions')!;
const schema = route.body!;
const VALID = { ext: '1001', name: 'Alice Example', password: 's3cret-pass-1', enabled: true, maxContacts: 3, classOfService: 'national', callerId: '+14155550100', algorithms: ['SHA-256', 'MD5'] };
const INVALID = { ext: 'bad ext', name: 'Alice Example', password: 'short', maxContacts: 0, classOfService: 'national' };

function rate(validate: Validate, body: unknown): { perSecond: number; problems: number } {
  let problems = 0;
  for (let i = 0; i < 20_000; i++) problems = validate(schema, body).length; // warm up the JIT
  let n = 0;
  const t0 = process.hrtime.bigint();
  const until = t0 + BigInt(Math.round(seconds * 1e9));
  let now = t0;
  while (now < until) {
    for (let i = 0; i < 1000; i++) validate(schema, body);
    n += 1000;
    now = process.hrtime.bigint();
  }
  return { perSecond: n / (Number(now - t0) / 1e9), problems };
}

const work = mkdtempSync(join(tmpdir(), 'pbx-bench-validate-'));
try {
  const oldFile = join(work, 'json-schema.ts');
  writeFileSync(oldFile, execFileSync('git', ['show', `${beforeRef}:src/admin/json-schema.ts`], { encoding: 'utf8' }));
  const before = (await import(oldFile)) as { validateSchema: Validate };
  const t0 = process.hrtime.bigint();
  const after = await import('../../src/admin/schema-validator.js');
  const t1 = process.hrtime.bigint();
  after.validateSchema(schema, VALID); // the first call compiles (at startup in the server)
  const t2 = process.hrtime.bigint();
  const ms = (a: bigint, b: bigint) => (Number(b - a) / 1e6).toFixed(1);
  console.log(`node ${process.version}; ${seconds} s per case; loading ajv and ajv-formats: ${ms(t0, t1)} ms; compiling the body schema: ${ms(t1, t2)} ms`);
  for (const [label, body] of [['valid extension body', VALID], ['invalid (3 problems)', INVALID]] as const) {
    const b = rate(before.validateSchema, body);
    const a = rate(after.validateSchema, body);
    const fmt = (x: number) => `${Math.round(x).toLocaleString('en-US')}/s`;
    console.log(`${label.padEnd(22)} hand-written ${fmt(b.perSecond).padStart(12)} (${b.problems} problems)   ajv ${fmt(a.perSecond).padStart(12)} (${a.problems} problems)   x${(a.perSecond / b.perSecond).toFixed(2)}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
