import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { destinationNode, findDestinationLoop, loopText } from './destination-graph.js';

const ivr = (name: string) => ({ type: 'ivr' as const, name });
const group = (name: string) => ({ type: 'ringGroup' as const, name });
const ext = (e: string) => ({ type: 'extension' as const, ext: e });

test('node names of every kind', () => {
  assert.equal(
    [ext('1001'), group('sales'), ivr('main'), { type: 'timeCondition' as const, name: 'hours' }, { type: 'voicemail' as const, box: '1001' }, { type: 'conference' as const, room: '800' }, { type: 'number' as const, number: '+4930123456' }, { type: 'play' as const, prompt: 'closed' }, { type: 'hangup' as const }].map(destinationNode),
    ['ext:1001', 'ringGroup:sales', 'ivr:main', 'timeCondition:hours', 'voicemail:1001', 'conference:800', 'number:+4930123456', 'play:closed', 'hangup'],
  );
});

test('a loop across sections is found with its path, starting where the walk entered it', () => {
  const loop = findDestinationLoop([
    { node: 'ivr:main', targets: [ext('1001'), ivr('sub'), { type: 'hangup' }] },
    { node: 'ivr:sub', targets: [{ type: 'timeCondition', name: 'hours' }] },
    { node: 'timeCondition:hours', targets: [{ type: 'voicemail', box: '1001' }, ivr('main')] },
  ]);
  assert.equal(loop, ['ivr:main', 'ivr:sub', 'timeCondition:hours', 'ivr:main']);
  assert.is(loopText(loop!), 'ivr:main -> ivr:sub -> timeCondition:hours -> ivr:main');
});

test('a node pointing at itself is a loop; a tail into a loop reports the loop only', () => {
  assert.equal(findDestinationLoop([{ node: 'ringGroup:a', targets: [group('a')] }]), ['ringGroup:a', 'ringGroup:a']);
  assert.equal(
    findDestinationLoop([
      { node: 'ext:1001', targets: [group('b')] },
      { node: 'ringGroup:b', targets: [ext('1002')] },
      { node: 'ext:1002', targets: [group('b')] },
    ]),
    ['ringGroup:b', 'ext:1002', 'ringGroup:b'],
  );
});

test('no loop: shared targets (a diamond), targets that are not nodes, an extension without forwards', () => {
  assert.is(
    findDestinationLoop([
      { node: 'ivr:main', targets: [ivr('a'), ivr('b')] },
      { node: 'ivr:a', targets: [group('sales')] },
      { node: 'ivr:b', targets: [group('sales')] },
      { node: 'ringGroup:sales', targets: [ext('1001')] }, // ext:1001 is not a node: it has no forwards
    ]),
    undefined,
  );
  assert.is(findDestinationLoop([]), undefined);
});

test('a chain of 100000 nodes is walked without recursion; closing it is found', () => {
  const n = 100_000;
  const nodes = Array.from({ length: n }, (_, i) => ({ node: `ringGroup:g${i}`, targets: i + 1 < n ? [group(`g${i + 1}`)] : [] }));
  assert.is(findDestinationLoop(nodes), undefined);
  nodes[n - 1]!.targets = [group('g0')];
  const loop = findDestinationLoop(nodes)!;
  assert.is(loop.length, n + 1);
  assert.is(loop[0], 'ringGroup:g0');
  assert.is(loop[n], 'ringGroup:g0');
});

test.run();
