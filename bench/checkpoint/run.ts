// What the call checkpoint (issue 16, 10e) costs: one touchActiveCalls per tenant with
// calls up per interval. Opens N real tenant stores with C active calls each and times
// rounds of touches.  Run: node_modules/.bin/node --import tsx bench/checkpoint/run.ts [tenants] [calls] [rounds]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';

const [tenants = 200, calls = 5, rounds = 20] = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'pbx-checkpoint-bench-'));
const stores: SqliteTenantStore[] = [];
try {
  let now = Date.now();
  for (let t = 0; t < tenants; t++) {
    const s = SqliteTenantStore.open(dir, `t${t}`);
    for (let c = 0; c < calls; c++) {
      s.callStarted({ callId: `t${t}-c${c}`, fromUri: 'sip:1001@x', toUri: 'sip:1002@x', startedAt: now });
      s.callAnswered(`t${t}-c${c}`, now);
    }
    stores.push(s);
  }
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    now += 2_000;
    const t0 = process.hrtime.bigint();
    for (const s of stores) s.touchActiveCalls(now);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`${tenants} tenants x ${calls} calls: one checkpoint round median ${median.toFixed(2)} ms (${((median * 1000) / tenants).toFixed(1)} us per tenant), max ${times.at(-1)!.toFixed(2)} ms`);
} finally {
  for (const s of stores) s.close();
  rmSync(dir, { recursive: true, force: true });
}
