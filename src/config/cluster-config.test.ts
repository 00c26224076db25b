import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigErrors } from '../util/errors.js';
import { readFileSync } from 'node:fs';
import { parseClusterConfig } from './cluster-config.js';

const FILE = '/etc/pbx/cluster.yaml';
const GOOD = `edge:
  sip: udp://203.0.113.1:5060
  runDir: run
nodes:
  - name: node1
    sip: 10.0.0.11:5060
    api: http://10.0.0.11:8080
    token: \${NODE1_TOKEN}
  - name: node2
    sip: 10.0.0.12:5060
    api: http://10.0.0.12:8080/api/v1/
    token: t2
    media: direct
`;

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseClusterConfig(text, FILE, env);
  } catch (err) {
    assert.instance(err, ConfigErrors);
    return (err as ConfigErrors).errors.map((e) => e.message);
  }
  assert.unreachable('no ConfigErrors thrown');
  return [];
}

test('a cluster file decodes with defaults, paths against the file and tokens from the environment', () => {
  const c = parseClusterConfig(GOOD, FILE, { NODE1_TOKEN: 'secret-1' });
  assert.equal(c.edge, {
    sip: { host: '203.0.113.1', port: 5060 },
    kamailio: '/usr/sbin/kamailio',
    runDir: '/etc/pbx/run',
    rpc: { kamcmd: '/usr/sbin/kamcmd', socket: '/etc/pbx/run/kamailio_ctl' },
    probeSeconds: 5,
    retryAfterSeconds: 30,
    floodRate: 300,
  });
  assert.equal(c.nodes, [
    { name: 'node1', sip: { host: '10.0.0.11', port: 5060 }, api: 'http://10.0.0.11:8080/api/v1', token: 'secret-1', media: 'direct' },
    { name: 'node2', sip: { host: '10.0.0.12', port: 5060 }, api: 'http://10.0.0.12:8080/api/v1', token: 't2', media: 'direct' },
  ]);
});

test('each problem is placed at file:line:col', () => {
  const bad = `edge:
  sip: tcp://203.0.113.1:5060
  runDir: run
  probeSeconds: 0
nodes:
  - name: Node1
    sip: 10.0.0.11
    api: ftp://x
    token: t
  - name: node2
    sip: 10.0.0.12:5060
    api: http://u:p@10.0.0.12:8080
    token: t
    media: rtpengine
  - name: node2
    sip: 10.0.0.12:5060
    api: http://10.0.0.13:8080
    token: t
`;
  const p = problems(bad);
  const has = (re: RegExp) => assert.ok(p.some((m) => re.test(m)), `${re} in\n${p.join('\n')}`);
  has(/^\/etc\/pbx\/cluster\.yaml:4:17: edge\.probeSeconds: /);
  has(/cluster\.yaml:6:11: nodes\[0\]\.name: 'Node1' is not a name/);
  has(/cluster\.yaml:7:10: nodes\[0\]\.sip: /);
  has(/cluster\.yaml:8:10: nodes\[0\]\.api: 'ftp:\/\/x': only http and https/);
  has(/cluster\.yaml:12:10: nodes\[1\]\.api: .*token/);
});

test('whole-file checks: udp edge, one node per address, rtpengine needs its socket', () => {
  const p = problems(`edge:
  sip: tcp://203.0.113.1:5060
  runDir: run
nodes:
  - { name: a, sip: "10.0.0.11:5060", api: "http://10.0.0.11:8080", token: t, media: rtpengine }
  - { name: b, sip: "10.0.0.11:5060", api: "http://10.0.0.12:8080", token: t }
  - { name: b, sip: "10.0.0.13:5060", api: "http://10.0.0.13:8080", token: t }
`);
  const has = (re: RegExp) => assert.ok(p.some((m) => re.test(m)), `${re} in\n${p.join('\n')}`);
  has(/:2:8: edge\.sip: the edge listens on udp/);
  has(/nodes\[0\]\.media: rtpengine needs edge\.rtpengine/);
  has(/nodes\[1\]\.sip: 10\.0\.0\.11:5060 is node 'a' already/);
  has(/:7:13: nodes\[2\]\.name: duplicate node name 'b' \(first at line 6\)/);
});

test('a token left empty by its variable is refused, not sent', () => {
  const p = problems(GOOD, {});
  assert.ok(p.some((m) => /nodes\[0\]\.token/.test(m)), p.join('\n'));
});

test('the shipped config/cluster.yaml is valid', () => {
  const file = new URL('../../config/cluster.yaml', import.meta.url).pathname;
  const c = parseClusterConfig(readFileSync(file, 'utf8'), file, { NODE1_TOKEN: 'a', NODE2_TOKEN: 'b' });
  assert.equal(c.nodes.map((n) => [n.name, n.api]), [['node1', 'http://10.0.0.11:8080/api/v1'], ['node2', 'http://10.0.0.12:8080/api/v1']]);
});

test.run();
