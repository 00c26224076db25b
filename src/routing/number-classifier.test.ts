import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countryCodeOf } from './country-code.js';
import { classifyNumber, toE164 } from './number-classifier.js';
import { isPremiumShortCode, PREMIUM_RANGES, premiumRangeOf } from './premium-ranges.js';

const NANP = { countryCode: '1', nationalPrefix: '1' };
const UK = { countryCode: '44', nationalPrefix: '0' };
const DE = { countryCode: '49', nationalPrefix: '0' };
const AU = { countryCode: '61', nationalPrefix: '0' };
const NONE = { countryCode: '', nationalPrefix: '' };

function is(number: string, numbering: { countryCode: string; nationalPrefix: string }, cls: string, e164?: string) {
  const r = classifyNumber(number, numbering);
  assert.is(r.class, cls, `${number} class`);
  assert.is(r.e164, e164, `${number} e164`);
}

test('country code of E.164 numbers: 1, 2 and 3 digits', () => {
  assert.is(countryCodeOf('+14155550100'), '1');
  assert.is(countryCodeOf('+74951234567'), '7');
  assert.is(countryCodeOf('+442079460000'), '44');
  assert.is(countryCodeOf('+4930123456'), '49');
  assert.is(countryCodeOf('+33142685300'), '33');
  assert.is(countryCodeOf('+353112345678'), '353');
  assert.is(countryCodeOf('+420212345678'), '420');
  assert.is(countryCodeOf('+8613912345678'), '86');
  assert.is(countryCodeOf('+85221234567'), '852');
  assert.is(countryCodeOf('+88112345678'), '881');
  assert.is(countryCodeOf('+97912345678'), '979');
  assert.is(countryCodeOf('4930123456'), '');
  assert.is(countryCodeOf('+0123'), '');
  assert.is(countryCodeOf(''), '');
});

test('NANP: E.164 normalisation of 10 and 11 digits, 011 and +', () => {
  assert.is(toE164('4155550100', NANP), '+14155550100');
  assert.is(toE164('14155550100', NANP), '+14155550100');
  assert.is(toE164('+14155550100', NANP), '+14155550100');
  assert.is(toE164('011442079460000', NANP), '+442079460000');
  assert.is(toE164('(415) 555-0100', NANP), '+14155550100');
  assert.is(toE164('5550100', NANP), undefined);
  assert.is(toE164('1555010', NANP), undefined);
  assert.is(toE164('0155550100', NANP), undefined, '10 digits must be NXX-NXX-XXXX');
  assert.is(toE164('4151550100', NANP), undefined, 'exchange must start 2-9');
});

test('NANP tenant: local, national, international', () => {
  is('5550100', NANP, 'local');
  is('4155550100', NANP, 'national', '+14155550100');
  is('1-415-555-0100', NANP, 'national', '+14155550100');
  is('+14155550100', NANP, 'national', '+14155550100');
  is('+16135550100', NANP, 'national', '+16135550100'); // Canada: same numbering plan
  is('011442079460000', NANP, 'international', '+442079460000');
  is('+442079460000', NANP, 'international', '+442079460000');
  is('011 49 30 123456', NANP, 'international', '+4930123456');
});

test('NANP tenant: Caribbean area codes are international', () => {
  is('18765550100', NANP, 'international', '+18765550100');
  is('8095550100', NANP, 'international', '+18095550100');
  is('+12425550100', NANP, 'international', '+12425550100');
  is('+17875550100', NANP, 'national', '+17875550100'); // Puerto Rico is domestic
  // For a European tenant they were international anyway.
  is('0018765550100', UK, 'international', '+18765550100');
});

test('NANP tenant: premium ranges', () => {
  is('19005550100', NANP, 'premium', '+19005550100');
  is('9005550100', NANP, 'premium', '+19005550100');
  is('+19005550100', NANP, 'premium', '+19005550100');
  is('2129765555', NANP, 'premium', '+12129765555'); // exchange 976
  is('9765555', NANP, 'premium'); // 7-digit 976 line
  is('011881612345678', NANP, 'premium', '+881612345678');
  is('01144907000000', NANP, 'premium', '+44907000000');
});

test('UK tenant: national prefix, 00, +', () => {
  is('02079460000', UK, 'national', '+442079460000');
  is('020 7946 0000', UK, 'national', '+442079460000');
  is('07700900123', UK, 'national', '+447700900123');
  is('+442079460000', UK, 'national', '+442079460000');
  is('00442079460000', UK, 'national', '+442079460000');
  is('0014155550100', UK, 'international', '+14155550100');
  is('+14155550100', UK, 'international', '+14155550100');
  is('004930123456', UK, 'international', '+4930123456');
  is('9460000', UK, 'local');
  is('101', UK, 'local');
});

test('UK tenant: premium 09, 087 and 118', () => {
  is('09098790000', UK, 'premium', '+449098790000');
  is('08712345678', UK, 'premium', '+448712345678');
  is('+449098790000', UK, 'premium', '+449098790000');
  is('118118', UK, 'premium');
  is('08001234567', UK, 'national', '+448001234567'); // freephone is not premium
  is('01184960000', UK, 'national', '+441184960000'); // Reading, not directory enquiries
});

test('German tenant: national, international, premium', () => {
  is('030123456', DE, 'national', '+4930123456');
  is('+4930123456', DE, 'national', '+4930123456');
  is('00442079460000', DE, 'international', '+442079460000');
  is('0114420794600', DE, 'national', '+49114420794600'); // 011 is not an international prefix here
  is('011442079460000', DE, 'national'); // national prefix, one digit too long for E.164
  is('09001234567', DE, 'premium', '+499001234567');
  is('01371234567', DE, 'premium', '+491371234567');
  is('011833', DE, 'premium', '+4911833');
  is('11833', DE, 'premium');
  is('123456', DE, 'local');
});

test('premium numbers are premium whatever the tenant country', () => {
  for (const n of ['+19005550100', '+449098790000', '+499001234567', '+33899123456', '+611900123456', '+870772001234', '+881612345678', '+882345678901', '+883510012345', '+97912345678']) {
    for (const numbering of [NANP, UK, DE, AU, NONE]) is(n, numbering, 'premium', n);
  }
  is('1900123456', AU, 'premium'); // dialled without the 0
  is('01900123456', AU, 'premium', '+611900123456');
  is('0061290000000', UK, 'international', '+61290000000');
});

test('premium table: every entry is a documented E.164 prefix', () => {
  for (const r of PREMIUM_RANGES) {
    assert.ok(/^\+[1-9][0-9X]*$/.test(r.prefix), r.prefix);
    assert.ok(r.note.length > 0, r.prefix);
    assert.is(premiumRangeOf(r.prefix.replace(/X/g, '5') + '1234567'), r);
  }
  assert.is(premiumRangeOf('+14155550100'), undefined);
  assert.not.ok(isPremiumShortCode('9765555', '44'));
  assert.not.ok(isPremiumShortCode('97655551', '1'));
  assert.not.ok(isPremiumShortCode('118', 'toString'));
});

test('tenant without a country code: only what needs no country is normalised', () => {
  is('+442079460000', NONE, 'international', '+442079460000');
  is('00442079460000', NONE, 'international', '+442079460000');
  is('011442079460000', NONE, 'international'); // may be the NANP prefix: not guessed cheap
  is('02079460000', NONE, 'local');
  is('4155550100', NONE, 'local');
  is('+19005550100', NONE, 'premium', '+19005550100');
});

test('numbers that cannot be judged err on the dear side', () => {
  is('+0123456789', UK, 'international'); // '+' but not E.164
  is('+1234567890123456', UK, 'international'); // 16 digits
  is('00', UK, 'national'); // the national prefix and more
  is('0012', UK, 'international', '+12');
  is('001', UK, 'international');
  is('1234567890123456', UK, 'international'); // longer than any national number
  is('12345678901234567890', NONE, 'international');
  is('abc', UK, 'premium');
  is('x'.repeat(100000), UK, 'premium');
  is('0207;946', UK, 'premium');
  is('', UK, 'local');
});

test('star and hash: the dearest part decides, with no E.164 form', () => {
  is('*67', NANP, 'local');
  is('*675550100', NANP, 'local');
  is('*674155550100', NANP, 'national');
  is('*6719005550100', NANP, 'premium');
  is('*82011881612345678', NANP, 'premium');
  is('*670114420794600', NANP, 'international');
  is('*67011442079460000', NANP, 'international');
  is('#31#00442079460000', DE, 'international');
  is('*31#09001234567', DE, 'premium');
  is('*98', UK, 'local');
  is('+44*1', UK, 'national');
  is('+1*1', UK, 'international');
});

test('hostile input never throws', () => {
  const inputs: unknown[] = ['', '+', '++', '+'.repeat(40), '0'.repeat(64), '0'.repeat(65), '9'.repeat(1e6), '\u0000', '١٢٣', '𝟘𝟙𝟚', 'tel:+1', undefined, null, 42, {}];
  for (const i of inputs) {
    for (const n of [NANP, UK, NONE, { countryCode: 'x', nationalPrefix: 'y' }, { countryCode: '0', nationalPrefix: '00000' }, null as never]) {
      const r = classifyNumber(i as string, n);
      assert.ok(['local', 'national', 'international', 'premium'].includes(r.class));
      toE164(i as string, n);
    }
  }
});

test.run();
