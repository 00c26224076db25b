import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { udpDropsByPort } from './udp-drops.mjs';

test('reads drops per local port from /proc/net/udp text', () => {
  const text = [
    '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
    ' 1234: 0100007F:13CE 00000000:0000 07 00000000 00000000 00:00000000 00000000     0        0 53187 2 0000000000000000 17',
    ' 1235: 0100007F:13B2 00000000:0000 07 00000000 00000000 00:00000000 00000000     0        0 53190 2 0000000000000000 0',
    ' 1236: 00000000:13CE 00000000:0000 07 00000000 00000000 00:00000000 00000000     0        0 53191 2 0000000000000000 3',
    'garbage',
  ].join('\n');
  const m = udpDropsByPort(text);
  assert.is(m.get(5070), 20);
  assert.is(m.get(5042), 0);
  assert.is(m.size, 2);
});

test.run();
