import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCallQueue, parseCallQueues } from './call-queue.js';
import { callQueueYaml } from './call-queue-yaml.js';

const collect = () => {
  const problems: string[] = [];
  return { problems, bad: (p: string, m: string) => void problems.push(`${p}: ${m}`) };
};

test('export writes what parses back to the same queue, defaults left out', () => {
  const { problems, bad } = collect();
  const q = parseCallQueue(
    { name: 'sales', number: 600, strategy: 'leastrecent', members: [1001, { ext: '1002', penalty: 4 }], agents: ['1003'], wrapUpSeconds: 5, joinEmpty: false, overflow: { play: 'closed' } },
    'queues[0]',
    bad,
  )!;
  assert.equal(problems, []);
  const yaml = callQueueYaml(q);
  assert.equal(yaml, { name: 'sales', number: '600', strategy: 'leastrecent', members: ['1001', { ext: '1002', penalty: 4 }], agents: ['1003'], wrapUpSeconds: 5, joinEmpty: false, overflow: { play: 'closed' } });
  assert.equal(parseCallQueue(yaml, 'x', bad), q);
  assert.equal(problems, []);
});

test('hostile input is refused with a path, never thrown', () => {
  const { problems, bad } = collect();
  for (const raw of [null, 'sales', [], { name: '../etc' }, { name: 'a', members: 'x' }, { name: 'a', members: [{ ext: '1', penalty: 1e9 }] }, { name: 'a', ringSeconds: 1e12 }, { name: 'a', joinEmpty: 'yes' }, { name: 'a', overflow: { queue: '../x' } }, { name: 'a', number: '+49' }]) {
    assert.is(parseCallQueue(raw, 'q', bad), undefined, JSON.stringify(raw));
  }
  assert.is(problems.length >= 10, true);
  const many = collect();
  assert.equal(parseCallQueues(Array.from({ length: 101 }, (_, i) => ({ name: `q${i}` })), many.bad), []);
  assert.equal(many.problems, ['queues: at most 100 queues']);
  const dup = collect();
  assert.is(parseCallQueues([{ name: 'a', number: '1' }, { name: 'a' }, { name: 'b', number: '1' }], dup.bad).length, 1);
  assert.equal(dup.problems, ['queues[1].name: queue a is listed twice', "queues[2].number: number 1 is another queue's"]);
});

test.run();
