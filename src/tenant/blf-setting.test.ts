import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blfProblems, blfSettingText, readBlfSettings } from './blf-setting.js';

test('blf spec: only showPeers, a boolean', () => {
  assert.equal(blfProblems(undefined), []);
  assert.equal(blfProblems({ showPeers: true }), []);
  assert.equal(blfProblems({ showPeers: 'yes' }), [['blf.showPeers', 'must be true or false']]);
  assert.equal(blfProblems({ peers: true }), [['blf.peers', 'unknown key (showPeers)']]);
  assert.equal(blfProblems([]), [['blf', 'must be an object { showPeers }']]);
});

test('setting text round trip; absent, false or garbage is the private default', () => {
  assert.is(blfSettingText({ showPeers: false }), undefined);
  const text = blfSettingText({ showPeers: true });
  assert.equal(readBlfSettings({ getSetting: () => text }), { showPeers: true });
  assert.equal(readBlfSettings({ getSetting: () => undefined }), { showPeers: false });
  assert.equal(readBlfSettings({ getSetting: () => '{not json' }), { showPeers: false });
  assert.equal(readBlfSettings({ getSetting: () => '{"showPeers":"yes"}' }), { showPeers: false });
});

test.run();
