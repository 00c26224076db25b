import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { csvCell, csvRow } from './csv.js';

test('RFC 4180: commas, quotes and line breaks are quoted, quotes doubled', () => {
  assert.is(csvCell('plain'), 'plain');
  assert.is(csvCell('a,b'), '"a,b"');
  assert.is(csvCell('say "hi"'), '"say ""hi"""');
  assert.is(csvCell('two\nlines'), '"two\nlines"');
  assert.is(csvCell('cr\rhere'), '"cr\rhere"');
  assert.is(csvCell(undefined), '');
  assert.is(csvCell(null), '');
  assert.is(csvCell(42), '42');
  assert.is(csvCell(-3), '-3', 'numbers are numbers, not formulas');
  assert.is(csvCell(true), 'true');
});

test('formula injection: = + - @ tab CR at the start get an apostrophe', () => {
  assert.is(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
  assert.is(csvCell('+14155550100'), "'+14155550100");
  assert.is(csvCell('-1+2'), "'-1+2");
  assert.is(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.is(csvCell('\tcmd'), "'\tcmd");
  assert.is(csvCell('a=b'), 'a=b', 'only at the start');
});

test('rows end with CRLF', () => {
  assert.is(csvRow(['a', 1, undefined, 'x,y']), 'a,1,,"x,y"\r\n');
});

test.run();
