// The main-thread side of call recording, on a real tenant store in a temp folder, with a
// stand-in for the media session (the worker side has its own tests, and
// test/integration/recording.test.ts runs both for real).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SqliteTenantStore } from '../store/tenant-store.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import { FakeClock } from '../util/fake-clock.js';
import { memoryLogger } from '../util/logger.js';
import { CallRecordingService, finishLeftoverRecordings, RecordingRefused } from './call-recording.js';
import type { CallMediaSession, RecordingStoppedInfo } from './ports.js';

const dir = mkdtempSync(join(tmpdir(), 'call-recording-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A media session that creates the file it is told to, and can die. */
class FakeMedia {
  started: Array<{ recId: string; path: string; quotaBytes: number }> = [];
  private ended: Array<(r: string) => void> = [];
  private stopped: Array<(r: RecordingStoppedInfo) => void> = [];
  readonly legA = { address: '127.0.0.1', rtpPort: 1 };
  readonly legB = { address: '127.0.0.1', rtpPort: 2 };
  async setRemote(): Promise<void> {}
  async setHold(): Promise<void> {}
  async resetLatch(): Promise<void> {}
  async release(): Promise<unknown> {
    return undefined;
  }
  onTimeout(): void {}
  onEnded(cb: (r: string) => void): void {
    this.ended.push(cb);
  }
  onRecordingStopped(cb: (r: RecordingStoppedInfo) => void): void {
    this.stopped.push(cb);
  }
  async startRecording(o: { recId: string; path: string; quotaBytes: number }): Promise<{ sampleRate: number; channels: number }> {
    this.started.push(o);
    writeFileSync(o.path, Buffer.alloc(44 + 32_000 * 2)); // two seconds of 8 kHz two-channel audio, as flushed
    return { sampleRate: 8000, channels: 2 };
  }
  die(): void {
    for (const cb of this.ended) cb('worker died');
  }
}

function setup(limits: { storageMB?: number }, used = 0) {
  const id = `t${n++}`;
  const store = SqliteTenantStore.open(dir, id);
  const tenant: TenantContext = { id, name: id, status: 'active', realm: `${id}.example`, domains: [`${id}.example`], limits, features: { recording: true }, store };
  store.setSetting('recording', 'always');
  const logger = memoryLogger('info');
  const clock = new FakeClock();
  const svc = new CallRecordingService({ dataDir: dir, usedBytes: () => used, clock, logger, layout: () => 'two-channel' });
  return { store, tenant, logger, svc };
}

test('storage full: refused at start with a clear reason, no row, no file, a log line', async () => {
  const { store, tenant, logger, svc } = setup({ storageMB: 1 }, 1024 * 1024);
  const media = new FakeMedia();
  svc.answered(tenant, { id: 'call1', callerExt: '1001', calleeExt: '1002', media: media as unknown as CallMediaSession });
  await new Promise((r) => setImmediate(r));
  assert.equal(media.started, []);
  assert.equal(store.recordings.list(), []);
  assert.ok(logger.lines.some((l) => l.includes('recording refused: storage full')));
  await svc.start(tenant.id, 'call1').then(
    () => assert.unreachable(),
    (e: RecordingRefused) => assert.is(e.code, 'quota'),
  );
  store.close();
});

test('the quota given to the worker is limits.storageMB minus usage; the path is in the tenant folder', async () => {
  const { store, tenant, svc } = setup({ storageMB: 2 }, 1024 * 1024 + 10);
  const media = new FakeMedia();
  svc.answered(tenant, { id: 'call2', callerExt: '1001', calleeExt: '1002', media: media as unknown as CallMediaSession });
  await new Promise((r) => setTimeout(r, 5));
  assert.is(media.started.length, 1);
  assert.is(media.started[0]!.quotaBytes, 1024 * 1024 - 10);
  assert.ok(media.started[0]!.path.startsWith(join(dir, 'tenants', tenant.id, 'recordings') + '/'));
  assert.ok(media.started[0]!.path.endsWith('/call2.wav'));
  assert.is(store.recordings.get('call2')!.status, 'recording');
  store.close();
});

test('a worker that dies: the row is finished from what the file holds (reason error)', async () => {
  const { store, tenant, svc } = setup({});
  const media = new FakeMedia();
  svc.answered(tenant, { id: 'call3', callerExt: '1001', calleeExt: '1002', media: media as unknown as CallMediaSession });
  await new Promise((r) => setTimeout(r, 5));
  media.die();
  const row = store.recordings.get('call3')!;
  assert.is(row.status, 'done');
  assert.is(row.reason, 'error');
  assert.is(row.durationMs, 2000);
  assert.is(row.bytes, 44 + 64_000);
  store.close();
});

test('rows left "recording" by a stopped process are finished at the next start', () => {
  const id = `t${n++}`;
  const store = SqliteTenantStore.open(dir, id);
  const folder = join(dir, 'tenants', id);
  store.recordings.started({ id: 'left', callId: 'left', startedAt: 1, sampleRate: 16000, channels: 1, file: join('recordings', '2026', '01', 'left.wav') });
  mkdirSync(dirname(join(folder, 'recordings', '2026', '01', 'left.wav')), { recursive: true });
  writeFileSync(join(folder, 'recordings', '2026', '01', 'left.wav'), Buffer.alloc(44 + 32_000));
  store.recordings.started({ id: 'nofile', callId: 'nofile', startedAt: 2, sampleRate: 8000, channels: 2, file: 'recordings/2026/01/nofile.wav' });
  assert.is(finishLeftoverRecordings(store, folder, 99), 2);
  assert.is(store.recordings.get('left')!.durationMs, 1000);
  assert.is(store.recordings.get('nofile')!.bytes, 0);
  assert.is(finishLeftoverRecordings(store, folder, 100), 0);
  store.close();
});

test.run();
