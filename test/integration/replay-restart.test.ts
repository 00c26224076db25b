// Issue 16 finding 2: a REGISTER captured before a restart must not be accepted after
// it. The server secret survives a restart but the record of used nonce counts does
// not; nonces carry the issuing process's epoch, and one of an earlier epoch is
// answered 401 stale=true (RFC 7616 §3.3), so the replay binds nothing while a real
// phone re-authenticates silently.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildAuthorization, pickChallenge } from '../../src/sip/auth/client-digest.js';
import { getHeaderValues } from '../../src/sip/message/headers.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { newBranch, newCallId } from '../../src/util/ids.js';
import type { DigestChallenge } from '../../src/sip/auth/authorization-header.js';
import { PbxProcess } from '../support/pbx-process.js';
import { UdpUa } from '../support/udp-ua.js';

const USER = '1001';
const DOMAIN = 'acme.example';
const PASSWORD = 'acme-1001-secret';
const ACME = { id: 'acme', domains: [DOMAIN], extensions: [{ ext: USER, password: PASSWORD }] };
const ATTACKER = '127.0.0.66';
const ATTACKER_CONTACT = `<sip:${USER}@${ATTACKER}:5099>`;
let pbx: PbxProcess;

test.before(async () => {
  pbx = await PbxProcess.start({ tenants: [ACME], transports: ['udp'] });
});
test.after(async () => {
  await pbx?.dispose();
});

const server = () => ({ host: '127.0.0.1', port: pbx.ports.udp });

function withoutContact(req: SipRequest): SipRequest {
  return { ...req, headers: req.headers.filter((h) => h.name !== 'contact' && h.name !== 'expires') };
}

/** The phone's own REGISTER with credentials (as captured on the wire): answered 200. */
async function capturedRegister(): Promise<{ req: SipRequest; challenge: DigestChallenge }> {
  const phone = await UdpUa.open(server());
  try {
    const callId = newCallId('127.0.0.1');
    const challenge = await phone.request(phone.register({ user: USER, domain: DOMAIN, cseq: 1, callId }));
    assert.is(challenge?.status, 401);
    const ch = pickChallenge(getHeaderValues(challenge!, 'www-authenticate'), { algorithms: ['MD5'] })!;
    const auth = buildAuthorization({ challenge: ch, username: USER, password: PASSWORD, method: 'REGISTER', uri: `sip:${DOMAIN}` });
    if (!auth.ok) throw new Error(auth.error);
    const req = phone.register({ user: USER, domain: DOMAIN, cseq: 2, callId, authorization: auth.value });
    const ok = await phone.request(req);
    assert.is(ok?.status, 200, 'the phone registered');
    return { req, challenge: ch };
  } finally {
    phone.close();
  }
}

/**
 * The attacker's copy: the same credentials (digest covers neither Via nor Contact),
 * its own Via, Contact and expiry, sent from another address.
 */
async function replay(captured: SipRequest): Promise<SipResponse | undefined> {
  const attacker = await UdpUa.open(server(), ATTACKER);
  try {
    const headers = captured.headers.map((h) =>
      h.name === 'contact' ? { ...h, value: ATTACKER_CONTACT }
      : h.name === 'expires' ? { ...h, value: '3600' }
      : h.name === 'via' ? { ...h, value: `SIP/2.0/UDP ${ATTACKER}:${attacker.port};rport;branch=${newBranch()}` }
      : h,
    );
    return await attacker.request({ ...captured, headers });
  } finally {
    attacker.close();
  }
}

/** The bindings of the AOR, fetched by the real phone (RFC 3261 §10.2.3), answering a stale challenge as phones do. */
async function bindings(): Promise<string[]> {
  const phone = await UdpUa.open(server());
  try {
    const callId = newCallId('127.0.0.1');
    let cseq = 1;
    let res = await phone.request(withoutContact(phone.register({ user: USER, domain: DOMAIN, cseq: cseq++, callId })));
    for (let i = 0; i < 2 && res?.status === 401; i++) {
      const ch = pickChallenge(getHeaderValues(res, 'www-authenticate'), { algorithms: ['MD5'] })!;
      const auth = buildAuthorization({ challenge: ch, username: USER, password: PASSWORD, method: 'REGISTER', uri: `sip:${DOMAIN}` });
      if (!auth.ok) throw new Error(auth.error);
      res = await phone.request(withoutContact(phone.register({ user: USER, domain: DOMAIN, cseq: cseq++, callId, authorization: auth.value })));
    }
    assert.is(res?.status, 200, 'the phone can fetch its bindings');
    return getHeaderValues(res!, 'contact').map(String);
  } finally {
    phone.close();
  }
}

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test(`a REGISTER captured before a restart (${signal}) and replayed from elsewhere gets 401 stale=true and binds nothing`, async () => {
    const { req: captured } = await capturedRegister();
    // Before the restart the nonce-count record stops it already.
    const before = await replay(captured);
    assert.is(before?.status, 403, 'replayed nc refused while the process lives');

    await pbx.stop(signal);
    await pbx.start();

    const after = await replay(captured);
    assert.ok(after, 'the replay is answered');
    assert.is(after!.status, 401, 'challenged, not accepted');
    const challenges = getHeaderValues(after!, 'www-authenticate').map(String);
    assert.ok(challenges.length > 0 && challenges.every((c) => /stale=true/.test(c)), `stale=true: ${challenges.join(' | ')}`);
    const twice = await replay(captured);
    assert.is(twice?.status, 401, 'and again');

    const contacts = await bindings();
    assert.not.ok(contacts.some((c) => c.includes(ATTACKER)), `no binding for the attacker: ${contacts.join(', ')}`);
  });
}

test('the real phone re-authenticates silently on the stale challenge after a restart', async () => {
  const { challenge } = await capturedRegister();
  await pbx.stop('SIGKILL');
  await pbx.start();
  // The phone refreshes with its old credentials (same nonce, next nc), is told stale, and retries.
  const phone = await UdpUa.open(server());
  try {
    const auth = buildAuthorization({ challenge, username: USER, password: PASSWORD, method: 'REGISTER', uri: `sip:${DOMAIN}`, nc: 2 });
    if (!auth.ok) throw new Error(auth.error);
    const refresh = await phone.request(phone.register({ user: USER, domain: DOMAIN, cseq: 3, callId: newCallId('127.0.0.1'), authorization: auth.value }));
    assert.is(refresh?.status, 401);
    assert.match(getHeaderValues(refresh!, 'www-authenticate').join(' '), /stale=true/);
    const again = await phone.registerWithAuth({ user: USER, domain: DOMAIN, password: PASSWORD });
    assert.is(again.final?.status, 200);
  } finally {
    phone.close();
  }
  assert.ok(pbx.logs.every((l) => !/source banned/.test(l)), 'nobody was banned for it');
});

test.run();
