// Every RFC 4475 and RFC 5118 torture message, sent over UDP to the real server: each
// gets an answer the RFC allows (or is dropped where the RFC allows that), and the
// server keeps answering afterwards.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess, REPO } from '../support/pbx-process.js';

interface Case {
  name: string;
  bytes: Buffer;
  /** From index.tsv: e.g. "400|drop", "tolerate", "416". */
  expected: string;
}

function loadCases(): Case[] {
  const out: Case[] = [];
  const dir4475 = join(REPO, 'test/fixtures/rfc4475');
  for (const line of readFileSync(join(dir4475, 'index.tsv'), 'utf8').trim().split('\n').slice(1)) {
    const cols = line.split('\t');
    out.push({ name: cols[0]!, bytes: readFileSync(join(dir4475, 'messages', cols[0]!)), expected: cols[7]! });
  }
  const dir5118 = join(REPO, 'test/fixtures/rfc5118');
  for (const line of readFileSync(join(dir5118, 'index.tsv'), 'utf8').trim().split('\n').slice(1)) {
    const cols = line.split('\t');
    out.push({ name: cols[0]!, bytes: readFileSync(join(dir5118, cols[6]!)), expected: cols[7]! });
  }
  return out;
}

// The corpus is addressed to example.com & co.; a tenant owning those domains makes the
// server answer as it would for a served domain (challenges instead of 404).
const TORTURE = {
  id: 'torture',
  domains: ['example.com', 'example.net', 'example.org', 'example.edu'],
  extensions: [{ ext: 'user', password: 'torture-user-secret' }],
};

/** Where responses land: §18.2.2 sends them to the Via's received address and sent-by port. */
const VIA_PORTS = [5060, 5050, 5070, 6050, 19823];
/**
 * We send from a loopback address of our own, so the answers come back to
 * <that address>:<Via port>, where we can listen even when 127.0.0.1:5060 is taken.
 */
const OUR_ADDRESS = `127.0.${100 + Math.floor(Math.random() * 100)}.${2 + Math.floor(Math.random() * 200)}`;

let pbx: PbxProcess;
const listeners: Socket[] = [];
const heard: Array<{ port: number; text: string }> = [];
let sender: Socket;

async function bindListener(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.on('message', (m) => heard.push({ port, text: m.toString('latin1') }));
    s.bind(port, OUR_ADDRESS, () => {
      listeners.push(s);
      resolve(true);
    });
  });
}

test.before(async () => {
  pbx = await PbxProcess.start({ tenants: [TORTURE], transports: ['udp'] });
  sender = createSocket('udp4');
  sender.on('message', (m) => heard.push({ port: 0, text: m.toString('latin1') }));
  await new Promise<void>((r) => sender.bind(0, OUR_ADDRESS, () => r()));
});

test.after(async () => {
  for (const s of listeners) s.close();
  sender?.close();
  await pbx?.dispose();
});

async function send(bytes: Buffer, waitMs = 300): Promise<string[]> {
  const from = heard.length;
  sender.send(bytes, pbx.ports.udp, '127.0.0.1');
  await new Promise((r) => setTimeout(r, waitMs));
  return heard.slice(from).map((h) => h.text);
}

let probeSeq = 0;
async function serverAnswers(): Promise<boolean> {
  const port = (sender.address() as { port: number }).port;
  const n = ++probeSeq;
  const probe = Buffer.from(
    `OPTIONS sip:127.0.0.1:${pbx.ports.udp} SIP/2.0\r\nVia: SIP/2.0/UDP ${OUR_ADDRESS}:${port};rport;branch=z9hG4bKprobe${n}\r\nMax-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p${n}\r\nTo: <sip:127.0.0.1>\r\nCall-ID: probe-${n}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
  );
  for (let attempt = 0; attempt < 3; attempt++) {
    const replies = await send(probe, 300);
    if (replies.some((r) => r.startsWith('SIP/2.0 200') && r.includes(`probe-${n}`))) return true;
  }
  return false;
}

function statusOf(reply: string): number {
  return Number(/^SIP\/2\.0 (\d{3})/.exec(reply)?.[1] ?? 0);
}

function acceptable(expected: string, statuses: number[]): boolean {
  const allowed = expected.split('|');
  if (statuses.length === 0) return allowed.includes('drop');
  return statuses.every((s) => allowed.includes(String(s)) || (allowed.includes('tolerate') && s !== 400 && s < 500));
}

test('every torture message gets an allowed answer and the server keeps answering', async () => {
  const bound: number[] = [];
  for (const p of VIA_PORTS) if (await bindListener(p)) bound.push(p);
  if (bound.length < VIA_PORTS.length) {
    process.stdout.write(`note: ports ${VIA_PORTS.filter((p) => !bound.includes(p)).join(', ')} busy: answers sent there are not checked\n`);
  }
  const problems: string[] = [];
  let checked = 0;
  for (const c of loadCases()) {
    const replies = await send(c.bytes);
    const statuses = replies.map(statusOf).filter((s) => s > 0);
    const viaPort = Number(/^(?:via|v)\s*:[^\r\n]*?:(\d+)[;\r\n]/im.exec(c.bytes.toString('latin1'))?.[1] ?? 5060);
    const observable = bound.includes(viaPort) || /;rport/.test(c.bytes.toString('latin1'));
    if (observable) {
      checked++;
      if (!acceptable(c.expected, statuses)) problems.push(`${c.name}: expected ${c.expected}, got ${statuses.length ? statuses.join(',') : 'no answer'}`);
      if (c.name === 'dblreq.dat' && statuses.length !== 1) problems.push(`dblreq.dat: exactly one answer expected, got ${statuses.length}`);
    }
    for (const r of replies) {
      if (/^(server|user-agent)\s*:/im.test(r)) problems.push(`${c.name}: a product string was sent without being configured`);
    }
    if (!(await serverAnswers())) {
      problems.push(`${c.name}: the server stopped answering`);
      break;
    }
  }
  assert.ok(checked >= 40, `only ${checked} answers were observable`);
  assert.equal(problems, []);
  assert.ok(pbx.running, 'the server is still running');
  assert.not.ok(pbx.logs.some((l) => /uncaught|unhandled/i.test(l)), 'no uncaught exception or unhandled rejection');
});

test.run();
