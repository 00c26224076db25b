import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonContentTypeProblem } from './content-type.js';

test('application/json in UTF-8, or without a charset, or no header at all, is accepted', () => {
  for (const h of [undefined, 'application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/json; charset=utf8', 'application/merge-patch+json']) {
    assert.is(jsonContentTypeProblem(h), undefined, String(h));
  }
});

test('any other charset is refused, and so is a type that is not JSON', () => {
  assert.is(jsonContentTypeProblem('application/json; charset=utf-16'), 'the body must be UTF-8, not charset=utf-16');
  assert.is(jsonContentTypeProblem('application/json; charset="UTF-16LE"'), 'the body must be UTF-8, not charset=utf-16le');
  assert.is(jsonContentTypeProblem('application/json; charset=iso-8859-1'), 'the body must be UTF-8, not charset=iso-8859-1');
  assert.is(jsonContentTypeProblem('application/json; charset='), 'the body must be UTF-8, not charset=');
  assert.is(jsonContentTypeProblem('text/plain'), 'send the body as application/json');
  assert.is(jsonContentTypeProblem('application/x-www-form-urlencoded'), 'send the body as application/json');
});

test.run();
