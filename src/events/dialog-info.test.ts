import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dialogInfoBody } from './dialog-info.js';
import { pidfBody } from './pidf.js';
import { xmlText } from './xml-text.js';

test('RFC 4235 §4.1 full document: version, entity, dialogs with direction and state', () => {
  const body = dialogInfoBody({
    version: 3,
    entity: 'sip:1002@acme.example',
    dialogs: [{ id: 'abc-r', direction: 'recipient', phase: 'early', peer: '1001' }],
  });
  assert.is(
    body,
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="3" state="full" entity="sip:1002@acme.example">',
      '  <dialog id="abc-r" direction="recipient">',
      '    <state>early</state>',
      '    <local><identity>sip:1002@acme.example</identity></local>',
      '  </dialog>',
      '</dialog-info>',
      '',
    ].join('\r\n'),
    'no remote identity unless asked for',
  );
});

test('idle is a document without dialogs; a remote identity only through remoteOf', () => {
  assert.not.match(dialogInfoBody({ version: 0, entity: 'sip:1@a', dialogs: [] }), '<dialog ');
  const b = dialogInfoBody({ version: 1, entity: 'sip:1@a', dialogs: [{ id: 'x', direction: 'initiator', phase: 'confirmed', peer: '1001' }], remoteOf: (d) => `sip:${d.peer}@a` });
  assert.match(b, '<remote><identity>sip:1001@a</identity></remote>');
  assert.match(b, 'direction="initiator"');
});

test('names are escaped: markup in an entity or identity cannot add elements', () => {
  const b = dialogInfoBody({ version: 0, entity: 'sip:"><x/>&@a', dialogs: [{ id: 'i', direction: 'recipient', phase: 'early' }], remoteOf: () => "<evil a='1'>\u0001" });
  assert.not.match(b, '<x/>');
  assert.not.match(b, '<evil');
  assert.match(b, 'entity="sip:&quot;&gt;&lt;x/&gt;&amp;@a"');
  assert.match(b, '&lt;evil a=&apos;1&apos;&gt;</identity>');
  assert.not.match(b, '\u0001');
  assert.is(xmlText('a\uD800b\uFFFEc\td'), 'abc\td');
});

test('RFC 3863 PIDF: open/closed basic status, on-the-phone activity and note while busy', () => {
  const idle = pidfBody({ entity: 'pres:1001@acme.example', tupleId: 't-1001', open: true, onThePhone: false });
  assert.match(idle, '<presence xmlns="urn:ietf:params:xml:ns:pidf"');
  assert.match(idle, 'entity="pres:1001@acme.example"');
  assert.match(idle, '<tuple id="t-1001">');
  assert.match(idle, '<status><basic>open</basic></status>');
  assert.not.match(idle, 'on-the-phone');
  const busy = pidfBody({ entity: 'pres:1001@acme.example', tupleId: 't-1001', open: true, onThePhone: true });
  assert.match(busy, '<rpid:activities><rpid:on-the-phone/></rpid:activities>');
  assert.match(busy, '<note>On the phone</note>');
  assert.match(pidfBody({ entity: 'pres:1@a', tupleId: 't-1', open: false, onThePhone: false }), '<basic>closed</basic>');
});

test.run();
