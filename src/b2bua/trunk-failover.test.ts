import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Target } from '../sip/transport/types.js';
import type { TrunkHandle } from './call-plan.js';
import { sameCodecs, trunkStages } from './trunk-failover.js';

const T = (address: string, port = 5060): Target => ({ protocol: 'udp', address, port });

function handle(name: string, o: { targets?: Target[]; codecs?: string[] } = {}, failed: Target[] = []): TrunkHandle {
  const targets = o.targets ?? [T('192.0.2.1')];
  return {
    name,
    channelKey: name,
    target: targets[0]!,
    domain: 'carrier.test',
    ...(o.targets ? { targets } : {}),
    ...(o.codecs ? { codecs: o.codecs } : {}),
    answerChallenge: () => undefined,
    markFailed: (t) => failed.push(t),
  };
}

const build = (t: TrunkHandle, target: Target) => ({ requestUri: `sip:1@${t.domain}`, target, trunk: t.name });

test('one stage per RFC 3263 target, in order; 503 and 408 go on and mark the target failed', () => {
  const failed: Target[] = [];
  const a = handle('a', { targets: [T('192.0.2.1', 5070), T('192.0.2.2', 5071), T('192.0.2.3', 5072)] }, failed);
  const stages = trunkStages([a], build);
  assert.equal(stages.map((s) => s.targets[0]!.target.port), [5070, 5071, 5072]);
  assert.is(stages[0]!.continueAfter!([{ status: 503 }]), true);
  assert.is(stages[1]!.continueAfter!([{ status: 408 }]), true);
  assert.equal(failed.map((t) => t.port), [5070, 5071]);
  // A callee's refusal stops the call and blames no target.
  assert.is(stages[2]!.continueAfter!([{ status: 486 }]), false);
  assert.is(stages[2]!.continueAfter!([{ status: 404 }]), false);
  assert.is(failed.length, 2);
});

test('488 goes on only when a later trunk takes other codecs', () => {
  const pcmaOnly = handle('pcma', { codecs: ['PCMA'] });
  const pcmuOnly = handle('pcmu', { codecs: ['PCMU'] });
  const alsoPcma = handle('pcma2', { codecs: ['pcma'] });
  assert.is(trunkStages([pcmaOnly, pcmuOnly], build)[0]!.continueAfter!([{ status: 488 }]), true);
  assert.is(trunkStages([pcmaOnly, alsoPcma], build)[0]!.continueAfter!([{ status: 488 }]), false);
  assert.is(trunkStages([pcmaOnly, handle('any')], build)[0]!.continueAfter!([{ status: 488 }]), true);
  assert.is(trunkStages([handle('any1'), handle('any2')], build)[0]!.continueAfter!([{ status: 488 }]), false);
  // The last trunk has nothing after it.
  assert.is(trunkStages([pcmaOnly, pcmuOnly], build)[1]!.continueAfter!([{ status: 488 }]), false);
});

test('sameCodecs compares sets, case-insensitively; undefined is every codec', () => {
  assert.ok(sameCodecs(['PCMU', 'PCMA'], ['pcma', 'PCMU']));
  assert.not.ok(sameCodecs(['PCMU'], ['PCMU', 'G722']));
  assert.ok(sameCodecs(undefined, undefined));
  assert.not.ok(sameCodecs(undefined, ['PCMU']));
});

test.run();
