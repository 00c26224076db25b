import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError, toJsonPointer, validationError } from './api-types.js';

test('YAML-style paths become JSON pointers; pointers stay as they are', () => {
  assert.is(toJsonPointer('extensions[0].ha1.realm'), '/extensions/0/ha1/realm');
  assert.is(toJsonPointer('ringGroups[2].members[10]'), '/ringGroups/2/members/10');
  assert.is(toJsonPointer('limits.calls'), '/limits/calls');
  assert.is(toJsonPointer('password'), '/password');
  assert.is(toJsonPointer('/already/0'), '/already/0');
  assert.is(toJsonPointer(''), '');
});

test('every 422 has one shape: validation_failed, details [{ path, message }], the first five in the message', () => {
  const e = validationError(Array.from({ length: 7 }, (_, i) => ({ path: `dids[${i}]`, message: 'must be E.164' })));
  assert.instance(e, ApiError);
  assert.equal([e.status, e.code], [422, 'validation_failed']);
  assert.equal((e.details as unknown[])[6], { path: '/dids/6', message: 'must be E.164' });
  assert.is(e.message, '/dids/0: must be E.164; /dids/1: must be E.164; /dids/2: must be E.164; /dids/3: must be E.164; /dids/4: must be E.164; and 2 more');
});

test.run();
