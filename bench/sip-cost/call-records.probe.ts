/**
 * What one call's records cost the SIP thread (issue 13; a probe, not a test): the writes a
 * call between two extensions makes of its tenant's store (active_calls insert, its answer,
 * the cdrs insert with the active row's removal and the recording link), over a real SQLite
 * file in WAL mode, each write in its own event-loop tick as in the server. Prints µs of this
 * process's CPU per call, and per write kind.
 *
 *   node --import tsx bench/sip-cost/call-records.probe.ts [calls=5000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyTenant } from '../../src/tenant/apply-tenant.js';
import { SystemStore } from '../../src/store/system-store.js';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';

const n = Number(process.argv[2] ?? 5000);
const dir = mkdtempSync(join(tmpdir(), 'pbx-call-records-'));
const sys = SystemStore.open(dir);
applyTenant({ system: sys, dataDir: dir }, {
  id: 'acme',
  name: 'acme',
  domains: ['acme.example'],
  limits: {},
  extensions: [
    { ext: '1001', name: 'one', password: 'acme-pw-1' },
    { ext: '1002', name: 'two', password: 'acme-pw-2' },
  ],
});
const s = SqliteTenantStore.open(dir, 'acme');
const tick = () => new Promise<void>((r) => setImmediate(r));
const spent = { start: 0, answer: 0, end: 0 };
const timed = (k: keyof typeof spent, fn: () => void) => {
  const c = process.cpuUsage();
  fn();
  const d = process.cpuUsage(c);
  spent[k] += d.user + d.system;
};

async function call(i: number, count: boolean): Promise<void> {
  const callId = `b2b-${i}-${Math.random().toString(36).slice(2)}`;
  const t = Date.now();
  const base = { callId, aLegCallId: `a-${i}@10.0.0.1`, fromUri: 'sip:1001@acme.example', fromExt: '1001', toUri: 'sip:1002@acme.example', toExt: '1002', direction: 'internal' as const, startedAt: t };
  const run = count ? timed : (_k: keyof typeof spent, fn: () => void) => fn();
  run('start', () => s.callStarted(base));
  await tick();
  run('answer', () => s.callAnswered(callId, t + 1, `b-${i}@127.0.0.1`));
  await tick();
  run('end', () =>
    s.callEnded({ ...base, bLegCallId: `b-${i}@127.0.0.1`, answeredAt: t + 1, endedAt: t + 2, disposition: 'answered', hangupCause: 'BYE', hangupSide: 'caller', media: { caller: { packets: 0, bytes: 0, lost: 0, jitterMs: 0 }, callee: { packets: 0, bytes: 0, lost: 0, jitterMs: 0 } } }),
  );
  await tick();
}

for (let i = 0; i < 500; i++) await call(i, false);
const c0 = process.cpuUsage();
for (let i = 0; i < n; i++) await call(500 + i, true);
const d = process.cpuUsage(c0);
const per = (x: number) => (x / n).toFixed(1);
console.log(`${per(d.user + d.system)} µs of CPU per call with its ticks; writes: start ${per(spent.start)}, answer ${per(spent.answer)}, end ${per(spent.end)} µs`);
s.close();
sys.close();
rmSync(dir, { recursive: true, force: true });
