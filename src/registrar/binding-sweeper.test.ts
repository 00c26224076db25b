import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyTenant } from '../tenant/apply-tenant.js';
import type { BindingRow } from '../store/binding-row.js';
import { TenantStorePool } from '../store/store-pool.js';
import { SystemStore } from '../store/system-store.js';
import { FakeClock } from '../util/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import { BindingSweeper } from './binding-sweeper.js';

const source: BindingRow['source'] = { protocol: 'udp', address: '203.0.113.9', port: 40000, localAddress: '127.0.0.1', localPort: 5060 };

test('expired bindings are swept from open stores on the clock, live ones stay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-sweep-'));
  const clock = new FakeClock();
  const system = SystemStore.open(dir, { clock });
  const pool = new TenantStorePool({ dataDir: dir, clock, idleMs: 3_600_000 });
  try {
    for (const id of ['acme', 'globex']) {
      applyTenant({ system, dataDir: dir, clock }, { id, name: id, domains: [`${id}.example`], limits: {}, extensions: [{ ext: '1001', name: 'a', password: 'password-1001', enabled: true }] });
    }
    const now = clock.now();
    const row = (contact: string, ttl: number): BindingRow => ({ aor: '1001', contact, callId: 'c', cseq: 1, expiresAt: now + ttl, source, updatedAt: now });
    pool.get('acme').replaceBindings('1001', [row('sip:short@h', 60_000), row('sip:long@h', 3_600_000)]);
    pool.get('globex').replaceBindings('1001', [row('sip:short@h', 60_000)]);
    const expired: string[] = [];
    const sweeper = new BindingSweeper({ system, pool, clock, logger: silentLogger, intervalMs: 30_000, onExpired: (t, aor) => expired.push(`${t}/${aor}`) });
    sweeper.start();
    clock.advance(30_000);
    assert.is(pool.get('acme').countBindings(), 2, 'nothing expired yet');
    assert.equal(expired, []);
    clock.advance(60_000);
    assert.equal(pool.get('acme').listBindings().map((b) => b.contact), ['sip:long@h']);
    assert.is(pool.get('globex').countBindings(), 0);
    // Presence watchers hear of each extension whose contacts expired, once per sweep, in its own tenant.
    assert.equal(expired.sort(), ['acme/1001', 'globex/1001']);
    sweeper.stop();
  } finally {
    pool.closeAll();
    system.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
