import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allowsInfo, dtmfModeOf, dtmfSettings } from './dtmf-mode.js';
import type { MediaCodec } from './ports.js';

const PCMU: MediaCodec = { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 };
const PCMU_TE: MediaCodec = { ...PCMU, telephoneEvent: 101 };
const G722: MediaCodec = { payloadType: 9, name: 'G722', clockRate: 8000, channels: 1 };

test('Allow: INFO among the methods, any case, any header line', () => {
  assert.ok(allowsInfo({ headers: [{ name: 'allow', value: 'INVITE, ACK,info ,BYE' }] }));
  assert.ok(allowsInfo({ headers: [{ name: 'allow', value: 'INVITE' }, { name: 'allow', value: 'INFO' }] }));
  assert.not.ok(allowsInfo({ headers: [{ name: 'allow', value: 'INVITE, INFORMATION' }] }));
  assert.not.ok(allowsInfo({ headers: [] }));
});

test('a leg takes RFC 4733 when it negotiated telephone-event, else INFO when it allows it, else tones on G.711, else nothing', () => {
  assert.is(dtmfModeOf(PCMU_TE, true), 'rfc4733');
  assert.is(dtmfModeOf(PCMU, true), 'info');
  assert.is(dtmfModeOf(PCMU, false), 'inband');
  assert.is(dtmfModeOf({ ...PCMU, name: 'pcma', payloadType: 8 }, false), 'inband');
  assert.is(dtmfModeOf(G722, false), 'none');
});

test('in-band tones are listened for only on a tones-only leg whose digits can go somewhere', () => {
  assert.equal(dtmfSettings({ a: PCMU, b: PCMU_TE }, { a: false, b: false }), { a: { mode: 'inband', detectInband: true }, b: { mode: 'rfc4733' } });
  assert.equal(dtmfSettings({ a: PCMU, b: PCMU }, { a: false, b: true }), { a: { mode: 'inband', detectInband: true }, b: { mode: 'info' } });
  // Both in-band: the tones pass in the audio, nothing to decode.
  assert.equal(dtmfSettings({ a: PCMU, b: PCMU }, { a: false, b: false }), { a: { mode: 'inband' }, b: { mode: 'inband' } });
  assert.equal(dtmfSettings({ a: PCMU_TE, b: PCMU_TE }, { a: true, b: true }), { a: { mode: 'rfc4733' }, b: { mode: 'rfc4733' } });
});

test.run();
