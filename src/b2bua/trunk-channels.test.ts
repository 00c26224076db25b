import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TrunkChannels } from './trunk-channels.js';

const shared = { name: 'carrier', channelKey: 'provider/carrier', maxChannels: 2 };
const backup = { name: 'backup', channelKey: 'tenant/acme/backup' };

test("the tenant's cap on trunk calls holds; a released call gives its channel back", () => {
  const c = new TrunkChannels();
  const a = c.tryTake('acme', 2, [backup]);
  const b = c.tryTake('acme', 2, [backup]);
  assert.ok(a.ok && b.ok);
  const third = c.tryTake('acme', 2, [backup]);
  assert.equal(third, { ok: false, reason: 'tenant trunk call limit (2) reached' });
  if (a.ok) {
    a.release();
    a.release(); // twice is once
  }
  assert.is(c.inUse('acme'), 1);
  assert.ok(c.tryTake('acme', 2, [backup]).ok);
});

test("a provider trunk's channels are shared by every tenant that uses it", () => {
  const c = new TrunkChannels();
  assert.ok(c.tryTake('acme', undefined, [shared]).ok);
  assert.ok(c.tryTake('globex', undefined, [shared]).ok);
  assert.is(c.onTrunk('provider/carrier'), 2);
  const full = c.tryTake('initech', undefined, [shared]);
  assert.equal(full, { ok: false, reason: 'all channels of trunk carrier in use' });
  assert.is(c.inUse('initech'), 0, 'a refused call takes nothing');
});

test('a full trunk does not stop a call that may fail over to one with room; only the free ones are taken', () => {
  const c = new TrunkChannels();
  c.tryTake('acme', undefined, [shared]);
  c.tryTake('acme', undefined, [shared]);
  const r = c.tryTake('acme', undefined, [shared, backup]);
  assert.ok(r.ok);
  assert.equal(r.ok ? r.usable : [], ['backup']);
  assert.is(c.onTrunk('provider/carrier'), 2);
  assert.is(c.onTrunk('tenant/acme/backup'), 1);
});

test.run();
