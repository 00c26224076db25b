import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MusicOnHold } from './music-on-hold.js';
import type { CallMediaSession, LegName } from './ports.js';

/** A media session that records the plays asked of it; a play ends when stopped. */
function media() {
  const log: string[] = [];
  const ends = new Map<LegName, () => void>();
  const m = {
    legA: { address: '127.0.0.1', rtpPort: 1 },
    legB: { address: '127.0.0.1', rtpPort: 3 },
    setRemote: async () => undefined,
    setHold: async () => undefined,
    resetLatch: async () => undefined,
    release: async () => undefined,
    onTimeout: () => undefined,
    onEnded: () => undefined,
    play: (leg: LegName, files: readonly string[], o?: { loop?: boolean; bargeIn?: boolean }) => {
      log.push(`play ${leg} ${files.join(',')} loop=${o?.loop} barge=${o?.bargeIn}`);
      return new Promise<unknown>((resolve) => ends.set(leg, () => resolve({ reason: 'stopped' })));
    },
    stopPlay: async (leg: LegName) => {
      log.push(`stop ${leg}`);
      ends.get(leg)?.();
    },
  } satisfies CallMediaSession;
  return { m, log };
}

test('a hold plays the music to the other party, looped and not bargeable; the resume stops it', async () => {
  const { m, log } = media();
  const moh = new MusicOnHold(m, { files: () => ['/moh/a.wav'], warn: () => undefined });
  moh.offerAnswered('a', true);
  assert.ok(moh.isHeld('b'));
  assert.not.ok(moh.isHeld('a'));
  moh.offerAnswered('a', true); // a refresh of the same hold: nothing new
  moh.offerAnswered('a', false);
  await Promise.resolve();
  assert.equal(log, ['play b /moh/a.wav loop=true barge=false', 'stop b']);
});

test('the callee holds: the caller hears it; a resume without a hold does nothing; no files: silence as before', async () => {
  const { m, log } = media();
  let files: string[] | undefined;
  const moh = new MusicOnHold(m, { files: () => files, warn: () => undefined });
  moh.offerAnswered('b', false);
  moh.offerAnswered('b', true); // no music configured
  moh.offerAnswered('b', false);
  assert.equal(log, []);
  files = ['/moh/x.wav'];
  moh.offerAnswered('b', true);
  assert.equal(log, ['play a /moh/x.wav loop=true barge=false']);
});

test('a play the worker refuses is logged, not thrown', async () => {
  const { m } = media();
  const warned: string[] = [];
  const moh = new MusicOnHold({ ...m, play: () => Promise.reject(new Error('no codec')) }, { files: () => ['/f.wav'], warn: (msg) => warned.push(msg) });
  moh.offerAnswered('a', true);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(warned, ['music on hold not played']);
});

test.run();
