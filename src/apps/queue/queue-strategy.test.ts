import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseAgents, type AgentView } from './queue-strategy.js';

const agents = (n: number, f: (i: number) => Partial<AgentView> = () => ({})): AgentView[] =>
  Array.from({ length: n }, (_, i) => ({ ext: String(1001 + i), penalty: 0, order: i, answered: 0, ...f(i) }));

test('ringall rings every free agent of the lowest penalty', () => {
  const a = agents(4, (i) => ({ penalty: i < 2 ? 1 : 3 }));
  assert.equal(chooseAgents('ringall', a, undefined, Math.random), ['1001', '1002']);
  assert.equal(chooseAgents('ringall', a.slice(2), undefined, Math.random), ['1003', '1004']);
  assert.equal(chooseAgents('ringall', [], undefined, Math.random), []);
});

test('roundrobin goes on after the last one picked and wraps around', () => {
  const a = agents(3);
  let last: number | undefined;
  const picked: string[] = [];
  for (let i = 0; i < 7; i++) {
    const [ext] = chooseAgents('roundrobin', a, last, Math.random);
    picked.push(ext!);
    last = a.find((x) => x.ext === ext)!.order;
  }
  assert.equal(picked, ['1001', '1002', '1003', '1001', '1002', '1003', '1001']);
  // The one after the last is busy: the next free one.
  assert.equal(chooseAgents('roundrobin', [a[0]!, a[2]!], 0, Math.random), ['1003']);
});

test('leastrecent picks the agent whose last call ended first; never-called first', () => {
  const a = agents(3, (i) => ({ lastEndedAt: [5000, 1000, 3000][i] }));
  assert.equal(chooseAgents('leastrecent', a, undefined, Math.random), ['1002']);
  const b = agents(3, (i) => (i === 2 ? {} : { lastEndedAt: 10 }));
  assert.equal(chooseAgents('leastrecent', b, undefined, Math.random), ['1003']);
});

test('fewestcalls picks the agent with the fewest answered; ties by member order', () => {
  assert.equal(chooseAgents('fewestcalls', agents(3, (i) => ({ answered: [4, 2, 2][i] })), undefined, Math.random), ['1002']);
});

test('random uses the given source, over the lowest penalty only', () => {
  const a = agents(4, (i) => ({ penalty: i === 3 ? 0 : 5 }));
  assert.equal(chooseAgents('random', a, undefined, () => 0.99), ['1004']);
  const b = agents(4);
  assert.equal(chooseAgents('random', b, undefined, () => 0.5), ['1003']);
  assert.equal(chooseAgents('random', b, undefined, () => 0.999999), ['1004']);
});

test('a higher penalty rings only when every lower one is not free', () => {
  const a = agents(3, (i) => ({ penalty: i }));
  for (const s of ['roundrobin', 'leastrecent', 'fewestcalls', 'random'] as const) {
    assert.equal(chooseAgents(s, a, undefined, () => 0.7), ['1001'], s);
    assert.equal(chooseAgents(s, a.slice(1), undefined, () => 0.7), ['1002'], s);
  }
});

test.run();
