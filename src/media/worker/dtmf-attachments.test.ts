import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MediaError } from '../media-error.js';
import { checkDigit, checkLegDtmf } from './dtmf-attachments.js';

const refused = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof MediaError && e.code === 'bad-request';
  }
  return false;
};

test('DTMF settings from the main thread are checked', () => {
  assert.equal(checkLegDtmf({ mode: 'info' }), { mode: 'info' });
  assert.equal(checkLegDtmf({ mode: 'inband', detectInband: true, extra: 1 }), { mode: 'inband', detectInband: true });
  for (const bad of [undefined, null, 'rfc4733', {}, { mode: 'sip' }, { mode: 1 }]) assert.ok(refused(() => checkLegDtmf(bad)), JSON.stringify(bad));
});

test('a digit to play must be a key with a sane duration', () => {
  checkDigit('5', 100);
  checkDigit('d', 10_000);
  for (const [d, ms] of [['flash', 100], ['55', 100], ['E', 100], [5, 100], ['1', 0], ['1', -1], ['1', Number.NaN], ['1', Infinity], ['1', 10_001], ['1', '100']] as const) {
    assert.ok(refused(() => checkDigit(d, ms)), `${String(d)} ${String(ms)}`);
  }
});

test.run();
