import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dispositionOf, pickFinalFailure } from './status-mapping.js';

test('a 6xx from any fork wins', () => {
  assert.is(pickFinalFailure([{ status: 486, reason: 'Busy' }, { status: 603, reason: 'Decline' }]).status, 603);
});

test('busy beats unavailable beats timeout; server errors read as unavailable', () => {
  assert.is(pickFinalFailure([{ status: 480, reason: 'x' }, { status: 486, reason: 'Busy Here' }]).status, 486);
  assert.is(pickFinalFailure([{ status: 408, reason: 'x' }, { status: 480, reason: 'y' }]).status, 480);
  assert.is(pickFinalFailure([{ status: 500, reason: 'oops' }]).status, 480);
  assert.is(pickFinalFailure([]).status, 480);
  assert.is(pickFinalFailure([{ status: 415, reason: 'x' }, { status: 488, reason: 'y' }]).status, 415);
});

test('dispositions of final statuses', () => {
  assert.is(dispositionOf(200), 'answered');
  assert.is(dispositionOf(486), 'busy');
  assert.is(dispositionOf(603), 'busy');
  assert.is(dispositionOf(480), 'no_answer');
  assert.is(dispositionOf(487), 'cancelled');
  assert.is(dispositionOf(404), 'failed');
  assert.is(dispositionOf(503), 'failed');
});

test.run();
