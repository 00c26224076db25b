import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StoreError } from '../util/errors.js';
import { FakeClock } from '../util/fake-clock.js';
import { applyTenant } from '../tenant/apply-tenant.js';
import type { CdrInput, CdrRecord } from './cdr-row.js';
import { applyMigrations } from './migrations.js';
import { openSqlite } from './sqlite-open.js';
import { TenantStorePool } from './store-pool.js';
import { SystemStore } from './system-store.js';
import { tenantDbFile, tenantDir } from './tenant-id.js';
import { TENANT_MIGRATIONS } from './tenant-schema.js';
import { SqliteTenantStore } from './tenant-store.js';

const REPO = join(fileURLToPath(import.meta.url), '..', '..', '..');
const T0 = 1_700_000_000_000;

let dir = '';
const opened: SqliteTenantStore[] = [];

function open(id: string): SqliteTenantStore {
  const s = SqliteTenantStore.open(dir, id);
  opened.push(s);
  return s;
}

function applyAll(ids: string[]): void {
  const sys = SystemStore.open(dir);
  try {
    for (const id of ids) {
      applyTenant(
        { system: sys, dataDir: dir },
        { id, name: id, domains: [`${id}.example`], limits: {}, extensions: [{ ext: '1001', name: 'one', password: 'pw-one-pass-word' }] },
      );
    }
  } finally {
    sys.close();
  }
}

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-cdr-'));
});
test.after.each(() => {
  for (const s of opened.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function cdr(callId: string, over: Partial<CdrInput> = {}): CdrInput {
  return {
    callId,
    fromUri: 'sip:1001@acme.example',
    fromExt: '1001',
    toUri: 'sip:1002@acme.example',
    toExt: '1002',
    startedAt: T0,
    answeredAt: T0 + 4_000,
    endedAt: T0 + 65_500,
    disposition: 'answered',
    hangupCause: 'BYE',
    hangupSide: 'caller',
    ...over,
  };
}

test('the migrations bring an existing v1 tenant store to the latest version and keep its data', () => {
  // A tenant file as the previous release left it: schema v1, with an extension and a binding.
  mkdirSync(tenantDir(dir, 'acme'), { recursive: true });
  const file = tenantDbFile(dir, 'acme');
  const v1 = openSqlite(file, { cacheKiB: 64, synchronous: 'NORMAL' });
  assert.equal(applyMigrations(v1, TENANT_MIGRATIONS.slice(0, 1)), { from: 0, to: 1 });
  v1.prepare("INSERT INTO extensions VALUES ('1001', 'Alice', 1, NULL, 'md5', 'sha', 'acme.example', 1)").run();
  v1.prepare(
    "INSERT INTO bindings (aor, pos, contact, call_id, cseq, expires_at, protocol, address, port, local_address, local_port, updated_at) VALUES ('1001', 0, 'sip:1001@10.0.0.1', 'r', 1, 9, 'udp', '10.0.0.1', 5060, '127.0.0.1', 5060, 1)",
  ).run();
  v1.close();

  const s = open('acme');
  const raw = new Database(file, { readonly: true });
  assert.is(raw.pragma('user_version', { simple: true }), TENANT_MIGRATIONS.length);
  const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
  assert.equal(tables, [
    'active_calls',
    'audit',
    'bindings',
    'call_handling',
    'cdrs',
    'dids',
    'extensions',
    'inbound_routes',
    'outbound_route_patterns',
    'outbound_route_trunks',
    'outbound_routes',
    'recordings',
    'ring_group_members',
    'ring_groups',
    'settings',
    'trunks',
    'voicemail_boxes',
    'voicemail_messages',
    'web_logins',
  ]);
  const indexes = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cdrs' AND sql IS NOT NULL ORDER BY name").pluck().all();
  assert.equal(indexes, ['cdrs_by_from_ext', 'cdrs_by_start', 'cdrs_by_to_ext', 'cdrs_outbound_by_start']);
  raw.close();
  assert.is(s.getExtension('1001')!.name, 'Alice');
  assert.is(s.getExtension('1001')!.classOfService, 'national', 'an extension of v1 gets the default class of service');
  assert.not.ok('callerId' in s.getExtension('1001')!);
  assert.is(s.getBindings('1001')[0]!.contact, 'sip:1001@10.0.0.1');
  assert.ok(s.callEnded(cdr('c1')));
  assert.is(s.listCdrs().length, 1);
});

test('a record round-trips every field, with duration and billable seconds derived', () => {
  applyAll(['acme']);
  const s = open('acme');
  const full = cdr('c-full', {
    aLegCallId: 'a-leg@10.0.0.5',
    bLegCallId: 'b-leg@pbx',
    direction: 'internal',
    hangupCause: '200 BYE',
    media: { caller: { packets: 3000, bytes: 516_000, lost: 2, jitterMs: 1.25 }, callee: { packets: 2990, bytes: 514_280, lost: 0, jitterMs: 0.5 } },
    recordedAt: T0 + 65_600,
  });
  assert.ok(s.callEnded(full));
  const got = s.listCdrs();
  const expected: CdrRecord = {
    id: got[0]!.id,
    callId: 'c-full',
    aLegCallId: 'a-leg@10.0.0.5',
    bLegCallId: 'b-leg@pbx',
    fromUri: 'sip:1001@acme.example',
    fromExt: '1001',
    toUri: 'sip:1002@acme.example',
    toExt: '1002',
    direction: 'internal',
    startedAt: T0,
    answeredAt: T0 + 4_000,
    endedAt: T0 + 65_500,
    durationMs: 65_500,
    billableS: 62, // 61.5 s rounded up
    disposition: 'answered',
    hangupCause: '200 BYE',
    hangupSide: 'caller',
    media: full.media!,
    createdAt: T0 + 65_600,
  };
  assert.equal(got, [expected]);
  assert.type(got[0]!.id, 'number');

  // The fewest fields: no optional key comes back, an unanswered call bills nothing.
  s.callEnded({ callId: 'c-min', fromUri: 'sip:x@acme.example', toUri: 'sip:9@acme.example', startedAt: T0 + 1, endedAt: T0 + 30_001, disposition: 'no_answer', hangupSide: 'system' });
  const min = s.listCdrs({ since: T0 + 1 })[0]!;
  assert.equal(Object.keys(min).sort(), ['callId', 'createdAt', 'direction', 'disposition', 'durationMs', 'endedAt', 'billableS', 'fromUri', 'hangupSide', 'id', 'startedAt', 'toUri'].sort());
  assert.is(min.billableS, 0);
  assert.is(min.durationMs, 30_000);
  assert.is(min.createdAt, T0 + 30_001);

  // Every disposition the schema knows is accepted.
  for (const d of ['busy', 'failed', 'cancelled', 'crashed'] as const) s.callEnded(cdr(`c-${d}`, { disposition: d, answeredAt: undefined }));
  assert.equal(new Set(s.listCdrs().map((c) => c.disposition)), new Set(['answered', 'no_answer', 'busy', 'failed', 'cancelled', 'crashed']));
});

test('the life of a call: started, answered once, ended in one step', () => {
  applyAll(['acme']);
  const s = open('acme');
  assert.ok(s.callStarted({ callId: 'k1', aLegCallId: 'a1', fromUri: 'sip:1001@acme.example', fromExt: '1001', toUri: 'sip:1002@acme.example', toExt: '1002', startedAt: T0 }));
  assert.not.ok(s.callStarted({ callId: 'k1', fromUri: 'other', toUri: 'other', startedAt: T0 + 5 }), 'a repeated start changes nothing');
  assert.equal(s.listActiveCalls(), [
    { callId: 'k1', aLegCallId: 'a1', fromUri: 'sip:1001@acme.example', fromExt: '1001', toUri: 'sip:1002@acme.example', toExt: '1002', direction: 'internal', startedAt: T0, updatedAt: T0 },
  ]);
  assert.ok(s.callAnswered('k1', T0 + 3000, 'b1'));
  assert.not.ok(s.callAnswered('k1', T0 + 3500, 'b2'), 'the first answer wins');
  assert.not.ok(s.callAnswered('nope', T0 + 3500));
  const up = s.listActiveCalls()[0]!;
  assert.is(up.answeredAt, T0 + 3000);
  assert.is(up.bLegCallId, 'b1');
  assert.is(up.updatedAt, T0 + 3000);
  assert.is(s.touchActiveCalls(T0 + 60_000), 1);
  assert.is(s.touchActiveCalls(T0 + 50_000), 0, 'updatedAt never moves back');
  assert.is(s.listActiveCalls()[0]!.updatedAt, T0 + 60_000);

  assert.ok(s.callEnded(cdr('k1', { answeredAt: T0 + 3000, endedAt: T0 + 90_000 })));
  assert.equal(s.listActiveCalls(), [], 'the active row went with the record');
  assert.is(s.listCdrs().length, 1);
});

test('callEnded is idempotent on a call id: a repeat writes nothing and still clears the active row', () => {
  applyAll(['acme']);
  const s = open('acme');
  assert.ok(s.callEnded(cdr('dup', { hangupSide: 'caller' })));
  s.callStarted({ callId: 'dup', fromUri: 'f', toUri: 't', startedAt: T0 + 100 });
  assert.not.ok(s.callEnded(cdr('dup', { hangupSide: 'callee', disposition: 'failed' })));
  const all = s.listCdrs();
  assert.is(all.length, 1);
  assert.is(all[0]!.hangupSide, 'caller', 'the first record stands');
  assert.equal(s.listActiveCalls(), []);
});

test('a refused record changes nothing: the active row stays for recovery', () => {
  applyAll(['acme']);
  const s = open('acme');
  s.callStarted({ callId: 'k', fromUri: 'f', toUri: 't', startedAt: T0 });
  assert.throws(() => s.callEnded(cdr('k', { disposition: 'exploded' as unknown as CdrInput['disposition'] })), (e: unknown) => e instanceof StoreError);
  assert.throws(() => s.callEnded(cdr('k', { endedAt: Number.NaN })), (e: unknown) => e instanceof StoreError);
  assert.throws(() => s.callStarted({ callId: '', fromUri: 'f', toUri: 't', startedAt: T0 }), (e: unknown) => e instanceof StoreError);
  assert.equal(s.listCdrs(), []);
  assert.is(s.listActiveCalls().length, 1);
});

test('text from the wire is stored verbatim but bounded', () => {
  applyAll(['acme']);
  const s = open('acme');
  const sneaky = "sip:1001'); DROP TABLE cdrs; --@acme.example";
  s.callEnded(cdr('w', { fromUri: sneaky, toUri: 'sip:' + 'x'.repeat(5000), hangupCause: 'y'.repeat(1000), aLegCallId: 'z'.repeat(400) }));
  const c = s.listCdrs()[0]!;
  assert.is(c.fromUri, sneaky);
  assert.is(c.toUri.length, 1024);
  assert.is(c.hangupCause!.length, 256);
  assert.is(c.aLegCallId!.length, 256);
});

test('listCdrs: by start time, with since (inclusive), until (exclusive), limit and newest first', () => {
  applyAll(['acme']);
  const s = open('acme');
  // Written in another order than they started.
  for (const i of [3, 1, 4, 0, 2]) s.callEnded(cdr(`c${i}`, { startedAt: T0 + i * 1000, answeredAt: undefined, endedAt: T0 + 10_000 }));
  const ids = (q?: Parameters<typeof s.listCdrs>[0]) => s.listCdrs(q).map((c) => c.callId);
  assert.equal(ids(), ['c0', 'c1', 'c2', 'c3', 'c4']);
  assert.equal(ids({ since: T0 + 1000, until: T0 + 3000 }), ['c1', 'c2']);
  assert.equal(ids({ newestFirst: true, limit: 2 }), ['c4', 'c3']);
  assert.equal(ids({ limit: 0 }), []);
  assert.equal(ids({ limit: -5 }), []);
  assert.equal(ids({ limit: 1e12 }).length, 5, 'an absurd limit is clamped, not an error');
});

test('crash recovery: calls left up become crashed records ending at their last sign of life', () => {
  applyAll(['acme']);
  let s = open('acme');
  s.callStarted({ callId: 'talking', fromUri: 'sip:1001@acme.example', fromExt: '1001', toUri: 'sip:1002@acme.example', toExt: '1002', startedAt: T0 });
  s.callAnswered('talking', T0 + 2_000, 'b-talk');
  s.callStarted({ callId: 'ringing', fromUri: 'sip:1002@acme.example', toUri: 'sip:1001@acme.example', startedAt: T0 + 10_000 });
  s.touchActiveCalls(T0 + 62_500);
  s.callEnded(cdr('done'));
  s.close();

  s = open('acme');
  const now = T0 + 3_600_000;
  assert.is(s.recoverCrashedCalls(now), 2);
  assert.equal(s.listActiveCalls(), []);
  const byId = new Map(s.listCdrs().map((c) => [c.callId, c]));
  assert.is(byId.size, 3);
  const talking = byId.get('talking')!;
  assert.equal(
    { ...talking, id: 0 },
    {
      id: 0,
      callId: 'talking',
      bLegCallId: 'b-talk',
      fromUri: 'sip:1001@acme.example',
      fromExt: '1001',
      toUri: 'sip:1002@acme.example',
      toExt: '1002',
      direction: 'internal',
      startedAt: T0,
      answeredAt: T0 + 2_000,
      endedAt: T0 + 62_500,
      durationMs: 62_500,
      billableS: 61, // 60.5 s up
      disposition: 'crashed',
      hangupCause: 'PBX stopped with the call up',
      hangupSide: 'system',
      createdAt: now,
    },
  );
  const ringing = byId.get('ringing')!;
  assert.is(ringing.disposition, 'crashed');
  assert.is(ringing.billableS, 0);
  assert.is(ringing.endedAt, T0 + 62_500);
  assert.is(byId.get('done')!.disposition, 'answered', 'a finished call is untouched');
  assert.is(s.recoverCrashedCalls(now + 1), 0, 'nothing twice');
  assert.is(s.listCdrs().length, 3);
});

test('a record written just before the process is killed is there after it, and its live calls are recovered', () => {
  applyAll(['acme']);
  // A child process writes through its own store and dies by SIGKILL, without closing anything.
  const code = `
    const { SqliteTenantStore } = await import(${JSON.stringify(join(REPO, 'src/store/tenant-store.ts'))});
    const s = SqliteTenantStore.open(process.env.CDR_DIR, 'acme', { create: false });
    const T0 = ${T0};
    s.callStarted({ callId: 'up', fromUri: 'a', toUri: 'b', startedAt: T0 });
    s.callAnswered('up', T0 + 1000);
    s.callStarted({ callId: 'gone', fromUri: 'a', toUri: 'b', startedAt: T0 });
    s.callEnded({ callId: 'gone', fromUri: 'a', toUri: 'b', startedAt: T0, endedAt: T0 + 5000, disposition: 'busy', hangupCause: '486 Busy Here', hangupSide: 'callee' });
    process.kill(process.pid, 'SIGKILL');
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: REPO,
    env: { ...process.env, CDR_DIR: dir },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.is(r.signal, 'SIGKILL', r.stderr);
  const s = open('acme');
  assert.equal(s.listCdrs().map((c) => [c.callId, c.disposition, c.hangupCause]), [['gone', 'busy', '486 Busy Here']]);
  assert.equal(s.listActiveCalls().map((a) => a.callId), ['up']);
  assert.is(s.recoverCrashedCalls(T0 + 10_000), 1);
  const up = s.listCdrs().find((c) => c.callId === 'up')!;
  assert.is(up.disposition, 'crashed');
  assert.is(up.endedAt, T0 + 1000);
});

test('trunk calls: trunk, did, fromNumber and toNumber go through start, end, listing and crash recovery', () => {
  applyAll(['acme']);
  let s = open('acme');
  const trunkFields = { trunk: 'carrier-a', did: '+14155550100', fromNumber: '+12125550199', toNumber: '+14155550100' };
  assert.ok(s.callStarted({ callId: 'in1', fromUri: 'sip:+12125550199@carrier', toUri: 'sip:+14155550100@pbx', toExt: '1001', direction: 'inbound', startedAt: T0, ...trunkFields }));
  assert.equal(s.listActiveCalls(), [
    { callId: 'in1', fromUri: 'sip:+12125550199@carrier', toUri: 'sip:+14155550100@pbx', toExt: '1001', direction: 'inbound', startedAt: T0, updatedAt: T0, ...trunkFields },
  ]);
  // An ended call keeps them.
  assert.ok(s.callEnded(cdr('out1', { direction: 'outbound', trunk: 'carrier-b', fromNumber: '+14155550100', toNumber: '+442071838750', toExt: undefined })));
  const out = s.listCdrs().find((c) => c.callId === 'out1')!;
  assert.equal([out.trunk, out.did, out.fromNumber, out.toNumber], ['carrier-b', undefined, '+14155550100', '+442071838750']);
  assert.not.ok('did' in out, 'an unset field comes back absent');
  // Text from the wire is bounded here too.
  s.callEnded(cdr('long', { trunk: 't'.repeat(500), did: '9'.repeat(500), fromNumber: '8'.repeat(500), toNumber: '7'.repeat(500) }));
  const long = s.listCdrs().find((c) => c.callId === 'long')!;
  assert.equal([long.trunk!.length, long.did!.length, long.fromNumber!.length, long.toNumber!.length], [64, 64, 64, 64]);
  // A crash keeps them on the record it leaves.
  s.callAnswered('in1', T0 + 1000);
  s.close();
  s = open('acme');
  assert.is(s.recoverCrashedCalls(T0 + 99_000), 1);
  const crashed = s.listCdrs().find((c) => c.callId === 'in1')!;
  assert.is(crashed.disposition, 'crashed');
  assert.is(crashed.direction, 'inbound');
  assert.equal({ trunk: crashed.trunk, did: crashed.did, fromNumber: crashed.fromNumber, toNumber: crashed.toNumber }, trunkFields);
});

test('outboundSecondsSince sums the billable seconds of outbound records started in range, only', () => {
  applyAll(['acme', 'globex']);
  const s = open('acme');
  assert.is(s.outboundSecondsSince(T0), 0, 'no records: 0, not null');
  const call = (id: string, direction: CdrInput['direction'], startedAt: number, answeredAfterS: number | undefined, talkS: number) =>
    s.callEnded(
      cdr(id, {
        direction,
        startedAt,
        answeredAt: answeredAfterS === undefined ? undefined : startedAt + answeredAfterS * 1000,
        endedAt: startedAt + ((answeredAfterS ?? 0) + talkS) * 1000,
      }),
    );
  call('before', 'outbound', T0 - 1, 1, 100); // started a ms before the window: not counted
  call('at', 'outbound', T0, 2, 60); // started exactly at the start: counted (60 s)
  call('later', 'outbound', T0 + 3_600_000, 0, 30.5); // 31 s (rounded up)
  call('unanswered', 'outbound', T0 + 10, undefined, 20); // bills 0
  call('inbound', 'inbound', T0 + 20, 1, 500);
  call('internal', 'internal', T0 + 30, 1, 700);
  assert.is(s.outboundSecondsSince(T0), 91);
  assert.is(s.outboundSecondsSince(T0 + 1), 31);
  assert.is(s.outboundSecondsSince(T0 - 1), 191);
  assert.is(s.outboundSecondsSince(T0 + 3_600_001), 0);
  // A call still up is not a record yet.
  s.callStarted({ callId: 'live', fromUri: 'f', toUri: 't', direction: 'outbound', startedAt: T0 + 5 });
  s.callAnswered('live', T0 + 6);
  assert.is(s.outboundSecondsSince(T0), 91);
  // Another tenant's records do not count.
  const g = open('globex');
  assert.is(g.outboundSecondsSince(T0 - 1), 0);
  g.callEnded(cdr('g1', { direction: 'outbound', startedAt: T0, answeredAt: T0, endedAt: T0 + 10_000 }));
  assert.is(g.outboundSecondsSince(T0), 10);
  assert.is(s.outboundSecondsSince(T0), 91);
  assert.throws(() => s.outboundSecondsSince(Number.NaN), (e: unknown) => e instanceof StoreError);
  // The sum is answered from the partial index alone.
  const raw = new Database(s.file, { readonly: true });
  const plan = raw
    .prepare("EXPLAIN QUERY PLAN SELECT coalesce(sum(billable_s), 0) FROM cdrs WHERE direction = 'outbound' AND started_at >= ?")
    .all(T0) as Array<{ detail: string }>;
  raw.close();
  assert.match(plan.map((p) => p.detail).join('\n'), /COVERING INDEX cdrs_outbound_by_start/);
});

test('isolation: a tenant sees only its own records; the same call id lives in each apart', () => {
  applyAll(['acme', 'globex']);
  const a = open('acme');
  const g = open('globex');
  a.callEnded(cdr('shared-id', { fromUri: 'sip:1001@acme.example' }));
  a.callStarted({ callId: 'acme-live', fromUri: 'f', toUri: 't', startedAt: T0 });
  assert.equal(g.listCdrs(), []);
  assert.equal(g.listActiveCalls(), []);
  assert.is(g.recoverCrashedCalls(T0 + 1), 0, "globex's recovery does not touch acme's calls");
  assert.ok(g.callEnded(cdr('shared-id', { fromUri: 'sip:1001@globex.example' })), 'not a duplicate of the other tenant');
  assert.equal(a.listCdrs().map((c) => c.fromUri), ['sip:1001@acme.example']);
  assert.equal(g.listCdrs().map((c) => c.fromUri), ['sip:1001@globex.example']);
  assert.is(a.listActiveCalls().length, 1);
});

test('through the pool: written at once even with write-behind bindings, and kept across idle close', () => {
  applyAll(['acme', 'globex']);
  const clock = new FakeClock(T0);
  const pool = new TenantStorePool({ dataDir: dir, clock, idleMs: 60_000, sweepMs: 10_000, bindingWriteDelayMs: 500 });
  try {
    const h = pool.get('acme');
    assert.ok(h.callStarted({ callId: 'p1', fromUri: 'f', toUri: 't', startedAt: T0 }));
    assert.ok(h.callAnswered('p1', T0 + 1000));
    assert.is(h.touchActiveCalls(T0 + 2000), 1);
    const other = open('acme'); // another connection sees only what is committed
    assert.is(other.listActiveCalls().length, 1, 'the start is committed, not pending');
    assert.ok(h.callEnded(cdr('p1', { answeredAt: T0 + 1000, endedAt: T0 + 3000 })));
    assert.is(other.listCdrs().length, 1, 'the record is committed at once');
    assert.equal(h.listActiveCalls(), []);
    clock.advance(120_000);
    assert.not.ok(pool.isOpen('acme'), 'closed while idle');
    assert.is(h.listCdrs()[0]!.billableS, 2);
    assert.is(h.recoverCrashedCalls(T0), 0);
    assert.equal(pool.get('globex').listCdrs(), []);
  } finally {
    pool.closeAll();
  }
});

test.run();
