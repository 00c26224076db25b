import { createSocket } from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ipLiteralLookup } from './ip-literal-lookup.js';

test('an IPv4 or IPv6 literal is answered in the same call, with its family', () => {
  const got: unknown[] = [];
  ipLiteralLookup('192.0.2.7', 4, (err, address, family) => got.push([err, address, family]));
  ipLiteralLookup('2001:db8::1', 6, (err, address, family) => got.push([err, address, family]));
  assert.equal(got, [
    [null, '192.0.2.7', 4],
    [null, '2001:db8::1', 6],
  ]);
});

test('a host name goes to the resolver, answered later', async () => {
  let sync = true;
  const r = await new Promise<[NodeJS.ErrnoException | null, string, number]>((resolve) => {
    ipLiteralLookup('localhost', 4, (err, address, family) => resolve([err, address, family]));
    sync = false;
  });
  assert.not.ok(sync, 'answered asynchronously');
  assert.equal(r, [null, '127.0.0.1', 4]);
});

test('a name that does not resolve fails the send with the resolver error', async () => {
  const s = createSocket({ type: 'udp4', lookup: ipLiteralLookup });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const err = await new Promise<Error | null>((resolve) => s.send(Buffer.from('x'), 9, 'no-such-host.invalid', (e) => resolve(e)));
  s.close();
  assert.ok(err, 'an error');
  assert.match(String((err as NodeJS.ErrnoException).code), /ENOTFOUND|EAI_AGAIN/);
});

test('a socket with it sends to a literal and to a name, and the datagrams arrive', async () => {
  const rx = createSocket('udp4');
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
  const port = rx.address().port;
  const seen: string[] = [];
  const both = new Promise<void>((resolve) =>
    rx.on('message', (m) => {
      seen.push(m.toString());
      if (seen.length === 2) resolve();
    }),
  );
  const tx = createSocket({ type: 'udp4', lookup: ipLiteralLookup });
  await new Promise<void>((r) => tx.bind(0, '127.0.0.1', () => r()));
  await new Promise<void>((resolve, reject) => tx.send(Buffer.from('literal'), port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  await new Promise<void>((resolve, reject) => tx.send(Buffer.from('name'), port, 'localhost', (e) => (e ? reject(e) : resolve())));
  await both;
  tx.close();
  rx.close();
  assert.equal(seen.sort(), ['literal', 'name']);
});

test.run();
