import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../../src/util/logger.js';
import { ConsoleClient } from '../support/console-client.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { PbxProcess } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';
import { SettableClock } from '../support/settable-clock.js';

// Issue 14: session expiry on the server's own clock (a settable one: the test moves the
// server's time), and the API over HTTPS (api.tls) so that Secure cookies work off-loopback.

const s = suite('console session clock');
const MIN = 60_000;
const clock = new SettableClock();
let pbx: InProcessPbx;
let url: string;

s.before(async () => {
  clock.set(Date.UTC(2026, 2, 2, 8, 0, 0));
  pbx = await InProcessPbx.start({
    name: 'console-clock',
    logger: memoryLogger('warn'),
    clock,
    tenants: [{ id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret', extraKeys: 'webPassword: "alice-web-1001"' }] }],
    extraYaml: 'console: { sessionIdleMinutes: 30, sessionMaxHours: 12 }',
  });
  url = `http://127.0.0.1:${pbx.apiPort}/api/v1`;
});

s.after(async () => {
  await pbx?.stop();
});

s('a session ends after 30 idle minutes', async () => {
  const c = await ConsoleClient.login(url, '1001@acme.example', 'alice-web-1001');
  const t0 = clock.now();
  assert.ok(Math.abs(Date.parse(c.session.expiresAt) - (t0 + 30 * MIN)) < 5000, 'expiresAt: 30 minutes on');
  clock.set(t0 + 29 * MIN);
  const mid = await c.send('GET', '/session');
  assert.is(mid.status, 200);
  assert.ok(Date.parse(mid.body.expiresAt) > t0 + 58 * MIN, 'the idle time restarted');
  clock.set(t0 + 29 * MIN + 31 * MIN);
  assert.is((await c.send('GET', '/session')).status, 401);
  assert.is((await c.send('GET', '/tenants/acme/extensions/1001')).status, 401);
});

s('a session used all the time still ends 12 hours after the login', async () => {
  const t0 = clock.now();
  const c = await ConsoleClient.login(url, '1001@acme.example', 'alice-web-1001');
  let t = t0;
  while (t + 25 * MIN < t0 + 12 * 60 * MIN - MIN) {
    t += 25 * MIN;
    clock.set(t);
    assert.is((await c.send('GET', '/tenants/acme/extensions/1001')).status, 200, `at ${(t - t0) / MIN} min`);
  }
  clock.set(t0 + 12 * 60 * MIN + MIN);
  assert.is((await c.send('GET', '/session')).status, 401);
});

s('api.tls: the API and the login over HTTPS', async () => {
  const fixture = (f: string) => join(process.cwd(), 'test/fixtures/tls', f);
  const port = await freePort();
  const p = await PbxProcess.start({
    tenants: [{ id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret', extraKeys: 'webPassword: "alice-web-1001"' }] }],
    transports: ['udp'],
    extraYaml: ['api:', `  listen: "127.0.0.1:${port}"`, `  tls: { cert: ${fixture('test.crt')}, key: ${fixture('test.key')} }`].join('\n'),
  });
  try {
    const ca = readFileSync(fixture('test.crt'));
    const answer = await new Promise<{ status: number; cookie: string | undefined; body: string }>((resolve, reject) => {
      const body = JSON.stringify({ username: '1001@acme.example', password: 'alice-web-1001' });
      const req = request({ host: '127.0.0.1', port, path: '/api/v1/login', method: 'POST', ca, rejectUnauthorized: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0], body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.is(answer.status, 200, answer.body);
    assert.match(answer.cookie!, /; Secure/);
    assert.ok(p.logs.some((l) => l.includes('api listening') && l.includes(`https://127.0.0.1:${port}`)));
    // Plain http to the TLS port gets no API.
    const plain = await fetch(`http://127.0.0.1:${port}/api/v1/session`).then((r) => r.status, () => 'refused');
    assert.is.not(plain, 401);
  } finally {
    await p.dispose();
  }
});

s.run();
