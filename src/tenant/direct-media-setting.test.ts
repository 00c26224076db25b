import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { directMediaProblems, directMediaSettingText, readDirectMediaSetting } from './direct-media-setting.js';

test('a valid value round-trips through the setting text', () => {
  assert.equal(directMediaProblems({ direct: true, trunks: ['carrier'] }, ['carrier']), []);
  const text = directMediaSettingText({ direct: true, trunks: ['carrier'] });
  assert.equal(readDirectMediaSetting(text), { direct: true, trunks: ['carrier'] });
});

test('off without trunks is no setting at all (the default)', () => {
  assert.is(directMediaSettingText({ direct: false }), undefined);
  assert.is(directMediaSettingText(undefined), undefined);
  assert.equal(readDirectMediaSetting(undefined), { direct: false, trunks: [] });
});

test('bad values are named by path; a trunk must be the tenant’s', () => {
  assert.equal(directMediaProblems('yes', []), [['media', 'must be an object { direct, trunks }']]);
  assert.equal(directMediaProblems({ direct: 'yes' }, []), [['media.direct', 'must be true or false']]);
  assert.equal(directMediaProblems({ bypass: true }, []), [['media.bypass', 'unknown key (direct, trunks)']]);
  assert.equal(directMediaProblems({ trunks: 'carrier' }, ['carrier']), [['media.trunks', 'must be a list of trunk names']]);
  assert.equal(directMediaProblems({ trunks: ['carrier', 'other'] }, ['carrier']), [['media.trunks.1', 'no trunk "other" in this tenant']]);
});

test('a damaged setting reads as off', () => {
  assert.equal(readDirectMediaSetting('{not json'), { direct: false, trunks: [] });
  assert.equal(readDirectMediaSetting('{"direct":"true","trunks":[1,"x"]}'), { direct: false, trunks: ['x'] });
});

test.run();
