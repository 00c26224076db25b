// Issue 16, finding 7: call records on a full disk. The tenant stores live on a 2 MB tmpfs;
// the disk is filled while the real server runs; internal calls go on and their records are
// queued, an outbound trunk call is refused with 503 (the outbound-minutes cap must not be
// bypassed), GET /registrations answers, the metric shows the queue; once space is freed
// every record is written and the files pass PRAGMA integrity_check.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader } from '../../src/sip/message/headers.js';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';
import { pbxServer } from '../support/call-harness.js';
import { CarrierUas, freeUdpPortOn } from '../support/carrier.js';
import { PbxProcess } from '../support/pbx-process.js';
import { requireTools } from '../support/tools.js';
import { UdpPhone } from '../support/udp-phone.js';

const CARRIER = '127.0.0.10';
const TOKEN = 'disk-full-admin-token';

/** Mount a 2 MB tmpfs (root only); false, with a SKIPPED line, where that is not allowed. */
function mountTmpfs(dir: string): boolean {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status === 0) return true;
  process.stdout.write(`SKIPPED disk-full records: cannot mount a tmpfs here (${(r.stderr || r.error?.message || 'not root').trim()}); CI runs this as root\n`);
  return false;
}

/** Write zeros until the file system refuses any more. */
function fill(file: string): number {
  const fd = openSync(file, 'w');
  let written = 0;
  try {
    for (const size of [65_536, 4_096, 512, 1]) {
      const chunk = Buffer.alloc(size);
      try {
        for (;;) written += writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

async function metric(pbx: PbxProcess, name: string, tenant: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${pbx.apiPort}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`tenant="${tenant}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function until(what: string, ok: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const haveSipp = requireTools('disk-full records (carrier)', 'sipp');
const dir = mkdtempSync(join(tmpdir(), 'pbx-diskfull-'));
const data = join(dir, 'data');
mkdirSync(data);
const mounted = haveSipp && mountTmpfs(data);

(mounted ? test : test.skip)('a full disk queues call records, refuses outbound trunk calls with 503, loses nothing', async () => {
  const carrierPort = await freeUdpPortOn(CARRIER);
  const base = 43000 + Math.floor(Math.random() * 50) * 200;
  const pbx = await PbxProcess.create({
    dir,
    adminToken: TOKEN,
    tenants: [
      {
        id: 'acme',
        domains: ['acme.example'],
        extensions: [
          { ext: '1001', password: 'acme-1001-secret', classOfService: 'national', callerId: '+14155550111' },
          { ext: '1002', password: 'acme-1002-secret' },
        ],
        limits: { outboundMinutesPerDay: 100 },
        extraYaml: ['countryCode: "1"', 'nationalPrefix: "1"', 'outboundRoutes:', '  - { name: national, patterns: [ "1NXXNXXXXXX" ], prepend: "+", trunks: [ carrier ] }'].join('\n'),
      },
    ],
    transports: ['udp'],
    extraYaml: [
      `rtp: { ports: ${base}-${base + 199}, workers: 1 }`,
      'security: { trusted: [ "127.0.0.0/8" ] }',
      'trunks:',
      `  - { name: carrier, kind: ip, host: ${CARRIER}, port: ${carrierPort}, allowedSources: [ "${CARRIER}/32" ], tenants: [ "*" ] }`,
    ].join('\n'),
  });
  const phones: UdpPhone[] = [];
  let carrier: CarrierUas | undefined;
  const filler = join(data, 'filler');
  try {
    await pbx.start();
    const server = { host: '127.0.0.1', port: pbx.ports.udp };
    const callee = await UdpPhone.open({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret', server });
    const caller = await UdpPhone.open({ user: '1001', domain: 'acme.example', password: 'acme-1001-secret', server });
    phones.push(callee, caller);
    assert.is(await callee.register(), 200);
    // Two calls could reach the carrier; only the one before the fill may.
    carrier = await CarrierUas.start({ address: CARRIER, port: carrierPort, server: pbxServer(pbx), calls: 2, timeoutSeconds: 60 });
    const before = await caller.call('14155550199');
    assert.is(before.status, 200, 'the trunk route works while there is room');
    assert.is((await caller.inDialog('BYE')).status, 200);

    const filled = fill(filler);
    assert.ok(filled > 0);
    const callIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await caller.call('1002');
      assert.is(r.status, 200, 'internal calls go on while the disk is full');
      callIds.push(getHeader(r, 'call-id')!);
      assert.is((await caller.inDialog('BYE')).status, 200);
    }
    await until('the records are queued', async () => (await metric(pbx, 'pbx_call_records_pending', 'acme')) > 0);
    assert.ok((await metric(pbx, 'pbx_call_record_write_failures_total', 'acme')) > 0);
    await pbx.waitForLog(/call records cannot be written/);

    const refused = await caller.call('14155550199');
    assert.is(refused.status, 503, 'no outbound call while its record cannot be written');
    assert.match(getHeader(refused, 'reason') ?? '', /call records cannot be written/);

    // A registration change is pending too; the admin read answers all the same.
    assert.is(await caller.register(), 200);
    const regs = await fetch(`${pbx.apiUrl}/tenants/acme/registrations`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.is(regs.status, 200, await regs.clone().text());
    const items = ((await regs.json()) as { items: Array<{ ext: string }> }).items.map((i) => i.ext).sort();
    assert.equal(items, ['1001', '1002'], 'committed and pending registrations are both listed');

    unlinkSync(filler);
    await until('the queue drains once there is room', async () => (await metric(pbx, 'pbx_call_records_pending', 'acme')) === 0);
    await pbx.waitForLog(/call records written again/);
    await pbx.stop();

    const store = SqliteTenantStore.open(data, 'acme');
    const cdrs = store.listCdrs({ limit: 100 });
    store.close();
    const internal = cdrs.filter((c) => c.direction === 'internal' && c.disposition === 'answered');
    assert.is(internal.length, 3, 'every internal call of the full-disk time is recorded once');
    assert.ok(cdrs.filter((c) => c.direction === 'outbound' && c.disposition === 'answered').length === 1, 'only the call before the fill reached the carrier');
    for (const file of [join(data, 'tenants', 'acme', 'tenant.sqlite'), join(data, 'system.sqlite')]) {
      const db = new Database(file, { readonly: true });
      assert.is(db.pragma('integrity_check', { simple: true }), 'ok', file);
      db.close();
    }
  } finally {
    for (const p of phones) p.close();
    await carrier?.dispose();
    await pbx.dispose().catch(() => undefined);
  }
});

test.after(() => {
  if (mounted) spawnSync('umount', [data]);
  rmSync(dir, { recursive: true, force: true });
});

test.run();
