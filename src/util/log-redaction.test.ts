import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger, type LogFormat } from './logger.js';
import { REDACT_PATHS, scrubSecrets } from './log-redaction.js';

const SECRETS = ['hunter2-sip', 'web-pass-77', 'tok_9f8e7d6c', 'b1a7e4d0c0ffee', 'dcd98b7102dd2f0e8b11d0f600bfb0c093', 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz', 'Qm9ndXNTZWNyZXRGb3JUZXN0c09ubHlfXzEyMzQ1Njc', '0f5ec2242751a5d54941e0223e869432'];
const [sipPassword, webPassword, token, nonce, response, srtpKey, apiSecret, ha1] = SECRETS as [string, string, string, string, string, string, string, string];
const apiToken = `pbx_0123456789abcdef_${apiSecret}`;
const authorization = `Digest username="1001", realm="acme.example", nonce="${nonce}", uri="sip:acme.example", response="${response}", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001`;
const crypto = `1 AES_CM_128_HMAC_SHA1_80 inline:${srtpKey}|2^20|1:32`;

function logEverySecret(format: LogFormat): string[] {
  const log = memoryLogger('debug', format);
  log.info('registration', { password: sipPassword, webPassword, apiToken: token, authorization, proxyAuthorization: authorization, crypto });
  log.warn('nested', { ext: { number: '1001', sipPassword, webPassword }, trunk: { name: 'carrier', password: sipPassword, authorization } });
  log.child('edge').with({ bearer: token, tenant: 'acme' }).error('bound secret', { sdp: `v=0\r\na=crypto:${crypto}\r\n` });
  log.info(`raw header Authorization: ${authorization} and a=crypto:${crypto} and Bearer ${apiToken}`, { header: `Authorization: Bearer ${apiToken}`, extension: { number: '1001', ha1: { MD5: ha1 } } });
  return log.lines;
}

for (const format of ['json', 'text'] as const) {
  test(`no secret reaches a ${format} line: passwords, tokens, digest response/nonce, SDES keys`, () => {
    const lines = logEverySecret(format);
    assert.is(lines.length, 4);
    for (const line of lines) for (const s of SECRETS) assert.not.ok(line.includes(s), `${s} leaked in ${line}`);
    const all = lines.join('\n');
    // What is not secret stays, so the line is still worth reading.
    for (const kept of ['username=\\"1001\\"', 'realm=\\"acme.example\\"', 'AES_CM_128_HMAC_SHA1_80', 'carrier', 'acme']) {
      assert.ok(all.includes(format === 'json' ? kept : kept.replace(/\\"/g, '\\"')), `${kept} kept`);
    }
  });
}

test('json: secret fields read [redacted], header fields keep their shape', () => {
  const lines = logEverySecret('json').map((l) => JSON.parse(l));
  assert.is(lines[0].password, '[redacted]');
  assert.is(lines[0].webPassword, '[redacted]');
  assert.is(lines[0].apiToken, '[redacted]');
  assert.match(lines[0].authorization, /^Digest username="1001", realm="acme.example", nonce="\[redacted\]", uri="sip:acme.example", response="\[redacted\]"/);
  assert.is(lines[0].crypto, '1 AES_CM_128_HMAC_SHA1_80 inline:[redacted]|2^20|1:32');
  assert.equal(lines[1].ext, { number: '1001', sipPassword: '[redacted]', webPassword: '[redacted]' });
  assert.is(lines[1].trunk.password, '[redacted]');
  assert.is(lines[2].bearer, '[redacted]', 'bound fields are redacted too');
  assert.is(lines[2].tenant, 'acme');
  assert.is(lines[3].header, 'Authorization: Bearer pbx_0123456789abcdef_[redacted]', 'the token id stays, its secret goes');
  assert.equal(lines[3].extension, { number: '1001', ha1: '[redacted]' });
});

test('free text (error, reason, detail) loses only quoted secrets; other values stay', () => {
  const log = memoryLogger('debug', 'json');
  log.debug('malformed message dropped', { error: new Error(`bad header Authorization: ${authorization}`), reason: 'timeout', detail: { code: 7 } });
  const rec = JSON.parse(log.lines[0]!);
  assert.not.ok(log.lines[0]!.includes(response) || log.lines[0]!.includes(nonce));
  assert.match(rec.error, /^bad header Authorization: Digest username="1001"/);
  assert.is(rec.reason, 'timeout');
  assert.equal(rec.detail, { code: 7 });
});

test('the caller\'s objects are not changed by redaction', () => {
  const log = memoryLogger('debug', 'json');
  const ext = { number: '1001', sipPassword };
  log.info('x', { ext, password: sipPassword });
  assert.is(ext.sipPassword, sipPassword);
});

test('scrubSecrets leaves text without secrets alone; every field name is redacted under every parent', () => {
  assert.is(scrubSecrets('call ended cause="486 Busy Here"'), 'call ended cause="486 Busy Here"');
  assert.is(scrubSecrets('nonce=abc, response=def'), 'nonce="[redacted]", response="[redacted]"');
  assert.ok(REDACT_PATHS.includes('headers["proxy-authorization"]'));
  assert.ok(REDACT_PATHS.includes('trunk.password'));
  assert.not.ok(REDACT_PATHS.some((p) => p.includes('*')), 'no wildcard paths (each halves the logger\'s speed)');
  const log = memoryLogger('debug', 'json');
  log.info('deeper', { request: { headers: 'x' }, headers: { 'proxy-authorization': `Digest nonce="${nonce}"` } });
  const rec = JSON.parse(log.lines[0]!);
  assert.is(rec.headers['proxy-authorization'], 'Digest nonce="[redacted]"');
});

test.run();
