import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../util/logger.js';
import { MediaSession, type DigitEvent, type SessionHost } from './media-session.js';

// The digit API applications use (IVR, voicemail): listeners on the main-thread session.

function session(sent: unknown[] = []): MediaSession {
  const host: SessionHost = {
    request: async (cmd) => {
      sent.push(cmd);
      return null as never;
    },
    detach: () => undefined,
    logger: memoryLogger('error'),
  };
  const leg = { address: '127.0.0.1', rtpPort: 40000, rtcpPort: 40001 };
  return new MediaSession('s1', 0, leg, { ...leg, rtpPort: 40002, rtcpPort: 40003 }, host);
}

test('every digit reaches every listener, a throwing listener does not stop the others, and a listener can leave', () => {
  const s = session();
  const got: DigitEvent[] = [];
  s.onDigit(() => {
    throw new Error('app bug');
  });
  const off = s.onDigit((d) => got.push(d));
  s.reportDigit({ leg: 'a', digit: '5', durationMs: 120, source: 'rfc4733' });
  s.reportDigit({ leg: 'b', digit: '#', durationMs: 250, source: 'info' });
  off();
  s.reportDigit({ leg: 'a', digit: '1', durationMs: 80, source: 'inband' });
  assert.equal(got, [
    { leg: 'a', digit: '5', durationMs: 120, source: 'rfc4733' },
    { leg: 'b', digit: '#', durationMs: 250, source: 'info' },
  ]);
});

test('no digits after release; setDtmf and sendDigit are worker commands', async () => {
  const sent: unknown[] = [];
  const s = session(sent);
  await s.setDtmf({ a: { mode: 'rfc4733' }, b: { mode: 'inband', detectInband: true } });
  await s.sendDigit('b', '9', 100);
  assert.equal(sent, [
    { op: 'setDtmf', session: 's1', a: { mode: 'rfc4733' }, b: { mode: 'inband', detectInband: true } },
    { op: 'sendDigit', session: 's1', leg: 'b', digit: '9', durationMs: 100 },
  ]);
  const got: DigitEvent[] = [];
  s.onDigit((d) => got.push(d));
  await s.release();
  s.reportDigit({ leg: 'a', digit: '5', durationMs: 120, source: 'rfc4733' });
  assert.is(got.length, 0);
});

test.run();
