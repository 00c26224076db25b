import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REASON_PHRASES, reasonPhrase, sipError } from './reason-phrases.js';
import { createResponse } from './response.js';
import { parseMessage } from './parse.js';
import type { SipRequest } from './types.js';

const SRC = fileURLToPath(new URL('../../', import.meta.url));

function* sourceFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sourceFiles(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) yield p;
  }
}

/**
 * Every SIP status code the server answers with, as written in src/: the code given to a
 * response builder (createResponse, answerCaller, reply, respond, refuse, fail), to a
 * SipError, to the table, or as `status: NNN` of a refusal. STUN and HTTP codes live in
 * files that are not SIP (stun-responder, ws-transport's upgrade, the admin API) and are left out.
 */
function codesInSource(): Map<number, string[]> {
  const pattern = /(?:createResponse\([^,()]+, |answerCaller\([^,()]+, |reply\([^,()]+, |respond\(|refuse\(|fail\(|sipError\(|SipError\(|reasonPhrase\(|status: )([1-6]\d\d)\b/g;
  const skip = ['sip/transport/stun-responder.ts', 'sip/transport/ws-transport.ts', 'admin/', 'cli/', 'cluster/', 'notify/', 'util/stun'];
  const found = new Map<number, string[]>();
  for (const file of sourceFiles(SRC)) {
    const rel = relative(SRC, file).replaceAll('\\', '/');
    if (skip.some((s) => rel.startsWith(s))) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(pattern)) {
      const code = Number(m[1]);
      found.set(code, [...(found.get(code) ?? []), rel]);
    }
  }
  return found;
}

test('every status code the server answers with has a phrase in the table', () => {
  const found = codesInSource();
  assert.ok(found.size > 20, `the scan found the codes in src (${found.size})`);
  for (const code of [200, 404, 481, 486, 488, 503]) assert.ok(found.has(code), `${code} is among the codes found`);
  const missing = [...found].filter(([code]) => REASON_PHRASES[code] === undefined).map(([code, files]) => `${code} (${[...new Set(files)].join(', ')})`);
  assert.equal(missing, [], `codes without a phrase: ${missing.join('; ')}`);
});

test('phrases are RFC 3261 §21; an unknown code gets the phrase of its class (§8.1.3.2)', () => {
  assert.is(reasonPhrase(404), 'Not Found');
  assert.is(reasonPhrase(481), 'Call/Transaction Does Not Exist');
  assert.is(reasonPhrase(504), 'Server Time-out');
  assert.is(reasonPhrase(499), 'Bad Request');
  assert.is(reasonPhrase(699), 'Busy Everywhere');
  for (const [code, phrase] of Object.entries(REASON_PHRASES)) {
    assert.ok(/^[1-6]\d\d$/.test(code), code);
    assert.ok(/^[A-Za-z][A-Za-z /-]*$/.test(phrase), `${code}: a plain phrase (no CR/LF, no quotes)`);
  }
});

test('response builders take the code and look the phrase up; a custom phrase still wins', () => {
  const text = ['OPTIONS sip:acme.example SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKrp1', 'From: <sip:a@acme.example>;tag=1', 'To: <sip:acme.example>', 'Call-ID: rp-1', 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  const req = (r.ok ? r.message : undefined) as SipRequest;
  assert.is(createResponse(req, 488).reason, 'Not Acceptable Here');
  assert.is(createResponse(req, 404, { reason: 'Domain Not Served' }).reason, 'Domain Not Served');
  const e = sipError(400, { detail: 'no Via' });
  assert.equal([e.status, e.reason, e.message], [400, 'Bad Request', '400 Bad Request: no Via']);
});

test.run();
