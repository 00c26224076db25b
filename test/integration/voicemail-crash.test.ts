// Crash during a deposit (issue 11, "Done means"): the real server as a child process; a
// phone of acme calls 1002 (not registered: its box), sends 700 Hz for a few seconds of
// recording, and the server is killed with SIGKILL mid-message. After a restart on the same
// data the message is listed through the API, its audio holds the tone and MWI counts it; globex's token
// reaches neither the list nor the audio (404), nor does acme's reach globex's box.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SipResponse } from '../../src/sip/message/types.js';
import { apiCall } from '../support/api-call.js';
import { bestToneShare } from '../support/heard-audio.js';
import { PbxProcess } from '../support/pbx-process.js';
import { PcmuSender } from '../support/pcmu-sender.js';
import { decodeWav } from '../support/tone.js';
import { UdpPhone } from '../support/udp-phone.js';
import { UdpSubscriber } from '../support/udp-subscriber.js';

const ADMIN = 'provider-secret-for-vm-crash';
const MSG_RE = /^[0-9]{14}-[0-9a-f]{12}\.wav$/;
let pbx: PbxProcess;
const phones: UdpPhone[] = [];

const sdpPort = (m: SipResponse) => Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);
const call = (method: string, path: string, token: string, body?: unknown) =>
  apiCall(pbx.apiPort, method, path, { token, ...(body !== undefined ? { type: 'application/json', body: Buffer.from(JSON.stringify(body)) } : {}) });

function files(tenant: string, box: string): string[] {
  try {
    return readdirSync(join(pbx.dir, 'data', 'tenants', tenant, 'voicemail', box)).filter((f) => MSG_RE.test(f));
  } catch {
    return [];
  }
}

test.before(async () => {
  pbx = await PbxProcess.start({
    transports: ['udp'],
    adminToken: ADMIN,
    extraYaml: 'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }',
    tenants: [
      { id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }, { ext: '1002', password: 'acme-1002-secret' }] },
      { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1002', password: 'globex-1002-secret' }] },
    ],
  });
});

test.after(async () => {
  for (const p of phones) p.close();
  await pbx?.dispose();
});

test('kill -9 during a deposit: after restart the message is listed and its audio is the caller\'s 700 Hz; other tenants get 404', async () => {
  const alice = await UdpPhone.open({ user: '1001', domain: 'acme.example', password: 'acme-1001-secret', server: { host: '127.0.0.1', port: pbx.ports.udp } });
  phones.push(alice);
  const res = await alice.call('1002', { timeoutMs: 20_000 });
  assert.is(res.status, 200, `${res.status} ${res.reason}`);
  const s = new PcmuSender(alice, sdpPort(res), 0x1702, 700);
  const end = Date.now() + 20_000;
  while (files('acme', '1002').length === 0) {
    if (Date.now() > end) throw new Error('the recording never started');
    await s.tone(200);
  }
  await s.tone(3000);
  const [name] = files('acme', '1002');
  const id = name!.replace(/\.wav$/, '');
  const killed = await pbx.stop('SIGKILL');
  assert.is(killed.signal, 'SIGKILL');
  assert.ok(statSync(join(pbx.dir, 'data', 'tenants', 'acme', 'voicemail', '1002', name!)).size > 8000, 'audio reached the disk before the kill');

  await pbx.start();
  const acme = (await call('POST', '/tokens', ADMIN, { role: 'tenant-admin', tenantId: 'acme' })).json.token as string;
  const globex = (await call('POST', '/tokens', ADMIN, { role: 'tenant-admin', tenantId: 'globex' })).json.token as string;

  const list = await call('GET', '/tenants/acme/voicemail/boxes/1002/messages', acme);
  assert.is(list.status, 200, list.body.toString());
  const item = (list.json.items as Array<{ id: string; folder: string; durationMs: number }>).find((m) => m.id === id);
  assert.ok(item, `the message is listed: ${list.body.toString()}`);
  assert.is(item!.folder, 'new');
  assert.ok(item!.durationMs >= 2000, `what was recorded is kept: ${item!.durationMs} ms`);

  const audio = await call('GET', `/tenants/acme/voicemail/boxes/1002/messages/${id}/audio`, acme);
  assert.is(audio.status, 200);
  assert.is(audio.headers['content-type'], 'audio/wav');
  const wav = decodeWav(audio.body);
  assert.is(wav.sampleRate, 8000);
  const share = bestToneShare(wav.samples, 700);
  assert.ok(share > 0.8, `the audio is the caller's 700 Hz: ${share}`);

  // MWI after the restart counts the recovered message.
  const sub = await UdpSubscriber.open({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret', server: { host: '127.0.0.1', port: pbx.ports.udp } });
  try {
    assert.is((await sub.subscribe('1002', { expires: 600 }))?.status, 200);
    const n = (await sub.nextNotify(0)).body.toString();
    assert.match(n, /Messages-Waiting: yes/);
    assert.match(n, /Voice-Message: 1\/0/);
  } finally {
    sub.close();
  }

  // Isolation: globex's token on acme's box and message, and on its own box with acme's id.
  for (const p of [
    '/tenants/acme/voicemail/boxes/1002/messages',
    `/tenants/acme/voicemail/boxes/1002/messages/${id}`,
    `/tenants/acme/voicemail/boxes/1002/messages/${id}/audio`,
    `/tenants/globex/voicemail/boxes/1002/messages/${id}`,
    `/tenants/globex/voicemail/boxes/1002/messages/${id}/audio`,
    `/tenants/globex/voicemail/boxes/1002/messages/..%2F..%2F..%2Facme%2Fvoicemail%2F1002%2F${id}/audio`,
  ]) {
    const r = await call('GET', p, globex);
    assert.is(r.status, 404, p);
    assert.not.ok(r.body.includes(Buffer.from('RIFF')), `${p}: no audio`);
  }
  assert.is((await call('DELETE', `/tenants/globex/voicemail/boxes/1002/messages/${id}`, globex)).status, 404);
  // And acme's token on globex's box.
  assert.is((await call('GET', '/tenants/globex/voicemail/boxes/1002/messages', acme)).status, 404);
  assert.is(files('acme', '1002').length, 1, 'still there');
});

test.run();
