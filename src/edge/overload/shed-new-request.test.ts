import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader } from '../../sip/message/headers.js';
import type { SipMessage, SipRequest, SipResponse } from '../../sip/message/types.js';
import { inbound, request } from '../../sip/transaction/sample-messages.js';
import type { Target } from '../../sip/transport/types.js';
import { FakeClock } from '../../util/fake-clock.js';
import { silentLogger } from '../../util/logger.js';
import { StatelessReplier } from '../stateless-reply.js';
import { OverloadControl } from './overload-control.js';
import { OVERLOAD_DEFAULTS, type OverloadSettings } from './overload-settings.js';
import { shedNewRequest } from './shed-new-request.js';

function setup(over: Partial<OverloadSettings> = {}) {
  const sent: SipMessage[] = [];
  const target: Target = { protocol: 'udp', address: '192.0.2.10', port: 5060 };
  const replier = new StatelessReplier(
    {
      send: async (m) => {
        sent.push(m);
      },
      responseTarget: () => target,
    },
    silentLogger,
    () => undefined,
  );
  const settings: OverloadSettings = { ...OVERLOAD_DEFAULTS, registerRetryAfterMaxSeconds: OVERLOAD_DEFAULTS.retryAfterSeconds, ...over };
  const control = new OverloadControl({ clock: new FakeClock(), settings: () => settings, random: () => 0.5 });
  control.tick();
  const shed = (req: SipRequest) => shedNewRequest(control, replier, inbound(req), req);
  return { sent, control, shed };
}

test('normal: nothing is shed and nothing is sent', () => {
  const { sent, shed } = setup();
  assert.is(shed(request({ method: 'INVITE' })), false);
  assert.is(sent.length, 0);
});

test('shedding: a new INVITE gets a stateless 503 with Retry-After, counted', () => {
  const { sent, control, shed } = setup({ shedDelayMs: 0 });
  const req = request({ method: 'INVITE', branch: 'z9hG4bKshed1' });
  assert.is(shed(req), true);
  assert.is(sent.length, 1);
  const res = sent[0] as SipResponse;
  assert.is(res.status, 503);
  assert.is(getHeader(res, 'retry-after'), '5');
  assert.is(getHeader(res, 'via'), getHeader(req, 'via'));
  assert.is(control.shedCounts().get('admission'), 1);
});

test('shedding: a request inside a dialog (To tag) and one with credentials are served', () => {
  const { sent, shed } = setup({ shedDelayMs: 0 });
  assert.is(shed(request({ method: 'BYE', toTag: 'abc' })), false);
  assert.is(shed(request({ method: 'INVITE', toTag: 'abc' })), false, 'a re-INVITE');
  const withAuth = request({ method: 'REGISTER' });
  withAuth.headers.push({ name: 'authorization', value: 'Digest username="1001", realm="acme.example", nonce="n", uri="sip:acme.example", response="00"' });
  assert.is(shed(withAuth), false);
  const withProxyAuth = request({ method: 'INVITE' });
  withProxyAuth.headers.push({ name: 'proxy-authorization', value: 'Digest username="1001"' });
  assert.is(shed(withProxyAuth), false);
  assert.is(sent.length, 0);
});

test('dropping: a new request is shed without an answer', () => {
  const { sent, control, shed } = setup({ severeDelayMs: 500, dropDelayMs: 1000 });
  for (let k = 0; k < 12; k++) {
    control.observeDelay(5000);
    control.tick();
  }
  assert.is(control.level(), 'dropping');
  assert.is(shed(request({ method: 'REGISTER' })), true);
  assert.is(sent.length, 0);
  assert.is(control.shedCounts().get('dropped'), 1);
  // Even now, in-dialog requests go on.
  assert.is(shed(request({ method: 'BYE', toTag: 'x' })), false);
});

test.run();
