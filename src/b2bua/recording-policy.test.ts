import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isRecordingMode, recordingModeOf } from './recording-policy.js';

test('the feature flag off: never, whatever the settings', () => {
  assert.is(recordingModeOf({ featureOn: false, tenant: 'always', route: 'always', extensions: ['always'] }), 'never');
});

test('a route decides alone (most specific)', () => {
  assert.is(recordingModeOf({ featureOn: true, tenant: 'always', route: 'never', extensions: ['always'] }), 'never');
  assert.is(recordingModeOf({ featureOn: true, tenant: 'never', route: 'on-demand', extensions: [] }), 'on-demand');
});

test('two extensions: always wins over on-demand and never; an unset extension takes the tenant\'s', () => {
  assert.is(recordingModeOf({ featureOn: true, tenant: 'never', extensions: ['never', 'always'] }), 'always');
  assert.is(recordingModeOf({ featureOn: true, tenant: 'never', extensions: ['on-demand', 'never'] }), 'on-demand');
  assert.is(recordingModeOf({ featureOn: true, tenant: 'always', extensions: ['never', undefined] }), 'always');
  assert.is(recordingModeOf({ featureOn: true, tenant: 'always', extensions: ['never', 'never'] }), 'never');
  assert.is(recordingModeOf({ featureOn: true, extensions: [undefined, undefined] }), 'never');
});

test('no extension on the call (trunk to trunk): the tenant\'s', () => {
  assert.is(recordingModeOf({ featureOn: true, tenant: 'on-demand', extensions: [] }), 'on-demand');
});

test('isRecordingMode', () => {
  assert.ok(isRecordingMode('on-demand'));
  assert.not.ok(isRecordingMode('sometimes'));
  assert.not.ok(isRecordingMode(undefined));
});

test.run();
