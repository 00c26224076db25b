import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteTenantStore } from '../../store/tenant-store.js';
import { tenantDir } from '../../store/tenant-id.js';
import { hashPin, isPinHash, verifyPin } from '../../tenant/voicemail-pin.js';
import { WavWriter } from '../../media/wav/wav-writer.js';
import { fixture } from './voicemail-fixture.case.js';
import { messageFile, newMessageId } from './voicemail-files.js';
import { recoverVoicemail } from './voicemail-recovery.js';

function wav(path: string, samples: number, flushOnly = false): void {
  mkdirSync(dirname(path), { recursive: true });
  const w = WavWriter.create(path, { encoding: 'pcm16', sampleRate: 8000 });
  const s = new Int16Array(samples).map((_, i) => Math.round(8000 * Math.sin(i / 3)));
  w.write(new Uint8Array(s.buffer));
  // A crash: the writer flushed (valid header) and never closed.
  if (flushOnly) w.flush();
  else w.close();
}

test('restart after a crash: a row left recording is finished from its WAV header; an empty one goes; a file without a row is indexed', () => {
  const f = fixture();
  try {
    const folder = tenantDir(f.dataDir, 'acme');
    const v = f.acme.store.voicemail;
    // Left mid-recording: row 'recording', file with 2 s flushed.
    const a = f.apps.service.startDeposit(f.acme, '1001', { number: '1002' });
    wav(a.path, 16000, true);
    // Left before the first flush: row, empty WAV.
    const b = f.apps.service.startDeposit(f.acme, '1001', { number: '1003' });
    WavWriter.create(b.path, { encoding: 'pcm16', sampleRate: 8000 });
    // Row never written (crash between file and row), or restored by hand.
    const cId = newMessageId(f.clock.now());
    wav(join(folder, messageFile('800', cId)), 8000);
    // Not ours: ignored.
    writeFileSync(join(folder, 'voicemail', '800', 'notes.wav'), 'x');
    assert.equal(v.counts('1001'), { new: 0, old: 0, recording: 2 });

    const r = recoverVoicemail(v, folder, f.clock.now());
    assert.equal(r, { indexed: 2, removed: 1 });
    const m = v.messages('1001');
    assert.is(m.length, 1);
    assert.is(m[0]!.id, a.id);
    assert.is(m[0]!.folder, 'new');
    assert.is(m[0]!.durationMs, 2000);
    assert.is(m[0]!.callerNumber, '1002');
    assert.not.ok(existsSync(b.path));
    assert.equal(v.messages('800').map((x) => [x.id, x.durationMs]), [[cId, 1000]]);
    assert.ok(existsSync(join(folder, 'voicemail', '800', 'notes.wav')));
    // Twice is once.
    assert.equal(recoverVoicemail(v, folder, f.clock.now()), { indexed: 0, removed: 0 });
  } finally {
    f.close();
  }
});

test('the index survives a reopen of the store (real SQLite file)', () => {
  const f = fixture();
  try {
    const a = f.apps.service.startDeposit(f.acme, '1001', {});
    wav(a.path, 16000);
    f.apps.service.finishDeposit(f.acme, '1001', a.id, a.path, 2000);
    const again = SqliteTenantStore.open(f.dataDir, 'acme');
    assert.equal(again.voicemail.messages('1001').map((m) => m.id), [a.id]);
    assert.ok(verifyPin('1234', again.voicemail.box('1001')!.pinHash));
    again.close();
  } finally {
    f.close();
  }
});

test('PIN hashes: salted, verified in constant time; letters and short PINs refused; junk hashes never verify', () => {
  const h1 = hashPin('0000');
  const h2 = hashPin('0000');
  assert.is.not(h1, h2);
  assert.ok(isPinHash(h1));
  assert.ok(verifyPin('0000', h1));
  assert.not.ok(verifyPin('0001', h1));
  assert.not.ok(verifyPin('00a0', h1));
  assert.throws(() => hashPin('12a4'), /4 to 16 digits/);
  assert.throws(() => hashPin('123'), /4 to 16 digits/);
  assert.throws(() => hashPin('1'.repeat(17)), /4 to 16 digits/);
  for (const junk of [undefined, '', '1234', 'scrypt$4096$x$y', h1.replace('4096', '1000'), h1.replace('4096', '9999999')]) assert.not.ok(verifyPin('0000', junk), String(junk));
});

test('message ids and paths: built here, nothing from outside becomes a path', async () => {
  const { boxFolder, insideTenant, messageFile: mf, greetingFile } = await import('./voicemail-files.js');
  assert.match(newMessageId(Date.UTC(2026, 0, 2, 3, 4, 5)), /^20260102030405-[0-9a-f]{12}$/);
  assert.throws(() => boxFolder('../x'));
  assert.throws(() => boxFolder('1001/..'));
  assert.throws(() => mf('1001', '../../tenant.sqlite'));
  assert.throws(() => insideTenant('/d/t', '../u/voicemail/1/x.wav'));
  assert.is(greetingFile('800', 'busy'), join('voicemail', '800', 'greeting-busy.wav'));
});

test.run();
