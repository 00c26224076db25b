// The PBX's media engine for bench/media, as a child process (Node 24 + tsx): the project's own
// MediaController with ONE media worker thread, steered over the IPC channel by run.mjs the way
// the B2BUA steers it (createSession, setRemote, useCodecs). No SIP: what is measured is the
// worker, as rtpengine is measured through its ng control protocol. It also encodes the RTP
// payloads the load generator sends (1 s of a tone per codec), with the project's own coders.
import { ulawEncodeInto } from '../../../src/media/codecs/g711-ulaw.js';
import { G722Encoder } from '../../../src/media/codecs/g722-encoder.js';
import { chooseOpusBackend } from '../../../src/media/codecs/opus-backend.js';
import { OpusEncoder } from '../../../src/media/codecs/opus.js';
import { MediaController } from '../../../src/media/controller.js';
import type { MediaSession } from '../../../src/media/media-session.js';
import type { LegCodec, LegSrtp } from '../../../src/media/protocol.js';
import { writeSine } from '../../../src/media/dsp/tone.js';
import { memoryLogger } from '../../../src/util/logger.js';
import { TranscodeDirection } from '../../../src/media/worker/transcode-direction.js';
import { createDtlsIdentity, type DtlsIdentity } from '../../../src/media/webrtc/dtls-identity.js';
import { randomBytes } from 'node:crypto';

const [portMin, portMax] = [Number(process.env.PORT_MIN ?? 24000), Number(process.env.PORT_MAX ?? 27999)];
// WORKERS: media worker threads (1 = calls per core; the number of cores = the total of the machine).
const workers = Number(process.env.WORKERS ?? 1);
const controller = new MediaController({ workers, address: '127.0.0.1', portMin, portMax, rtpTimeoutMs: 0, logger: memoryLogger('warn') });
let sessions: MediaSession[] = [];
/** The PBX's DTLS certificate for browser legs, made once as pbx-server makes it at start. */
let pbxIdentity: DtlsIdentity | undefined;

/** 50 payloads (1 s) of a 1 kHz tone at -12 dBFS in `codec`, base64. */
function payloads(codec: string): string[] {
  const out: string[] = [];
  let phase = 0;
  if (codec === 'PCMU') {
    for (let i = 0; i < 50; i++) {
      const f = new Int16Array(160);
      phase = writeSine(f, { sampleRate: 8000, frequency: 1000, amplitude: 8000, phase });
      const b = Buffer.alloc(160);
      ulawEncodeInto(f, b);
      out.push(b.toString('base64'));
    }
  } else if (codec === 'G722') {
    const enc = new G722Encoder();
    for (let i = 0; i < 50; i++) {
      const f = new Int16Array(320);
      phase = writeSine(f, { sampleRate: 16000, frequency: 1000, amplitude: 8000, phase });
      const b = Buffer.alloc(160);
      enc.encode(f, b);
      out.push(b.toString('base64'));
    }
  } else if (codec === 'opus') {
    const enc = new OpusEncoder(chooseOpusBackend('auto').backend);
    for (let i = 0; i < 50; i++) {
      const f = new Int16Array(960);
      phase = writeSine(f, { sampleRate: 48000, frequency: 1000, amplitude: 8000, phase });
      out.push(Buffer.from(enc.encode(f)).toString('base64'));
    }
    enc.close();
  } else throw new Error(`no payloads for ${codec}`);
  return out;
}

type Msg =
  | { op: 'payloads'; codec: string }
  | { op: 'setup'; calls: number; a: LegCodec; b: LegCodec; transcode: boolean; targets: Array<{ host: string; port: number }>; srtp?: { suite: LegSrtp['suite']; sendKey: string; recvKey: string }; webrtc?: { fingerprint: string; remoteUfrags: string[] } }
  | { op: 'browserIdentity' }
  | { op: 'teardown' }
  | { op: 'load' }
  | { op: 'memory'; calls: number; a: LegCodec; b: LegCodec; payloads: { a: string[]; b: string[] } }
  | { op: 'quit' }
  | { op: 'signalPayloads'; codec: string; kind: 'tone' | 'noise' | 'silence'; frequency?: number }
  | { op: 'confSetup'; rooms: number; size: number; codec: LegCodec; targets: Array<{ host: string; port: number }> };

async function handle(m: Msg): Promise<unknown> {
  switch (m.op) {
    case 'payloads':
      return { payloads: payloads(m.codec), opusBackend: m.codec === 'opus' ? chooseOpusBackend('auto').backend.name : undefined };
    case 'setup': {
      const ports: number[] = [];
      const ice: Array<{ ufrag: string; pwd: string }> = [];
      for (let c = 0; c < m.calls; c++) {
        const s = await controller.createSession(`bench-${c}`);
        sessions.push(s);
        const ta = m.targets[2 * c]!;
        const tb = m.targets[2 * c + 1]!;
        await s.setRemote('a', { address: ta.host, port: ta.port, allowedSources: [ta.host] });
        await s.setRemote('b', { address: tb.host, port: tb.port, allowedSources: [tb.host] });
        if (m.transcode) await s.useCodecs({ a: m.a, b: m.b });
        if (m.srtp) await s.setSrtp('a', { suite: m.srtp.suite, sendKey: Buffer.from(m.srtp.sendKey, 'base64'), recvKey: Buffer.from(m.srtp.recvKey, 'base64') });
        if (m.webrtc) ice.push(await browserLeg(s, c, m.webrtc, ta.host));
        ports.push(s.legA.rtpPort, s.legB.rtpPort);
      }
      return { ports, ice };
    }
    case 'browserIdentity': {
      // The "browser's" certificate for the generator: made with werift's generator as the PBX's is (a browser's is ECDSA P-256 too).
      const id = await createDtlsIdentity();
      return { certPem: id.certPem, keyPem: id.keyPem, fingerprint: id.fingerprint };
    }
    case 'teardown':
      await Promise.all(sessions.map((s) => s.release().catch(() => undefined)));
      sessions = [];
      return {};
    case 'memory':
      return { memory: transcoderMemory(m) };
    case 'load':
      return { load: sumLoads(await controller.loads()), memory: process.memoryUsage() };
    case 'signalPayloads':
      return { payloads: signalPayloads(m.codec, m.kind, m.frequency ?? 1000) };
    case 'confSetup':
      return { ports: await confSetup(m) };
    case 'quit':
      await controller.stop();
      setImmediate(() => process.exit(0));
      return {};
  }
}

/** One worker's load as it is; several workers' numeric counters added up (frames paced and late, CPU); a worker that did not answer (null) left out. */
function sumLoads<T extends object>(loads: Array<T | null>): T | null {
  const live = loads.filter((l): l is T => l !== null);
  if (live.length <= 1) return live[0] ?? null;
  const out = { ...live[0] } as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) if (typeof v === 'number') out[k] = live.reduce((n, l) => n + (((l as Record<string, unknown>)[k] as number) ?? 0), 0);
  return out as T;
}

/**
 * Leg a of call `c` as a browser leg, as b2bua/webrtc-legs.ts sets it from the browser's offer:
 * our ICE-lite credentials (which our answer would carry), the browser's ufrag and fingerprint,
 * the PBX's certificate, and the browser's candidate address. Answers our ufrag and pwd (the
 * generator's ICE check needs them, as a browser reads them from the answer).
 */
async function browserLeg(s: MediaSession, c: number, w: { fingerprint: string; remoteUfrags: string[] }, candidate: string): Promise<{ ufrag: string; pwd: string }> {
  pbxIdentity ??= await createDtlsIdentity();
  const ufrag = randomBytes(6).toString('base64url');
  const pwd = randomBytes(18).toString('base64url');
  await s.setWebrtc('a', { localUfrag: ufrag, localPwd: pwd, remoteUfrag: w.remoteUfrags[c]!, remoteFingerprint: w.fingerprint, certPem: pbxIdentity.certPem, keyPem: pbxIdentity.keyPem, candidates: [candidate] });
  return { ufrag, pwd };
}

/**
 * The transcoder's own state per call (both directions: coders, jitter buffers, resampler, FIFO and
 * packet ring), made here in this thread with the worker's classes and fed a few frames so that
 * every coder exists, measured after a full GC (run with --expose-gc): heap, external (Buffers)
 * and RSS (libopus's native state is malloc'd: RSS only). Sockets are not included.
 */
function transcoderMemory(m: Extract<Msg, { op: 'memory' }>): Record<string, number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const frames = { a: m.payloads.a.map((p) => Buffer.from(p, 'base64')), b: m.payloads.b.map((p) => Buffer.from(p, 'base64')) };
  const step = (c: LegCodec): number => (c.clockRate * 20) / 1000;
  let t = 0;
  const clock = { now: () => t };
  gc();
  gc();
  const m0 = process.memoryUsage();
  const calls: TranscodeDirection[][] = [];
  for (let c = 0; c < m.calls; c++) calls.push([new TranscodeDirection(m.a, m.b, clock), new TranscodeDirection(m.b, m.a, clock)]);
  for (let f = 0; f < 5; f++) {
    t += 20;
    for (const [ab, ba] of calls) {
      const pa = frames.a[f]!;
      const pb = frames.b[f]!;
      ab!.pushAudio(pa, 0, pa.length, f, f * step(m.a), 1, f === 0);
      ba!.pushAudio(pb, 0, pb.length, f, f * step(m.b), 2, f === 0);
      ab!.tick();
      ba!.tick();
    }
  }
  gc();
  gc();
  const m1 = process.memoryUsage();
  const per = (k: 'rss' | 'heapUsed' | 'external' | 'arrayBuffers') => (m1[k] - m0[k]) / m.calls;
  const out = { calls: m.calls, rssPerCall: per('rss'), heapPerCall: per('heapUsed'), externalPerCall: per('external') };
  for (const [ab, ba] of calls) {
    ab!.dispose();
    ba!.dispose();
  }
  return out;
}

/**
 * 50 payloads (1 s, looped by the generator) of a conference participant: a tone at -12 dBFS
 * (a talker), low-level noise around -50 dBFS (a listener's room), or digital silence.
 */
function signalPayloads(codec: string, kind: 'tone' | 'noise' | 'silence', frequency: number): string[] {
  const rate = codec === 'opus' ? 48000 : codec === 'PCMU' ? 8000 : 0;
  if (rate === 0) throw new Error(`no conference payloads for ${codec}`);
  const enc = codec === 'opus' ? new OpusEncoder(chooseOpusBackend('auto').backend) : undefined;
  let seed = 12345 + frequency;
  const noise = (): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return ((seed >>> 16) % 200) - 100;
  };
  const out: string[] = [];
  let phase = 0;
  for (let i = 0; i < 50; i++) {
    const f = new Int16Array((rate * 20) / 1000);
    if (kind === 'tone') phase = writeSine(f, { sampleRate: rate, frequency, amplitude: 8000, phase });
    else if (kind === 'noise') for (let k = 0; k < f.length; k++) f[k] = noise();
    if (enc) out.push(Buffer.from(enc.encode(f)).toString('base64'));
    else {
      const b = Buffer.alloc(f.length);
      ulawEncodeInto(f, b);
      out.push(b.toString('base64'));
    }
  }
  enc?.close();
  return out;
}

/**
 * `rooms` rooms of `size` participants, set up as the conference B2BUA does it: one session per
 * participant pinned to the room's worker (affinity), leg a towards the phone (the generator's
 * socket), its codec, then joinRoom on leg a (no music on hold, no join/leave tones: the steady
 * mix is measured). Returns the leg a RTP port of each participant, room-major.
 */
async function confSetup(m: Extract<Msg, { op: 'confSetup' }>): Promise<number[]> {
  const ports: number[] = [];
  for (let r = 0; r < m.rooms; r++) {
    const room = `bench-room-${r}`;
    for (let p = 0; p < m.size; p++) {
      const s = await controller.createSession(`bench-${room}-${p}`, { affinity: room });
      sessions.push(s);
      const t = m.targets[r * m.size + p]!;
      await s.setRemote('a', { address: t.host, port: t.port, allowedSources: [t.host] });
      await s.useCodecs({ a: m.codec, b: m.codec });
      await s.joinRoom(room, 'a', { moh: [], join: [], leave: [] });
      ports.push(s.legA.rtpPort);
    }
  }
  return ports;
}

process.on('message', (m: Msg & { id: number }) => {
  handle(m).then(
    (r) => process.send!({ id: m.id, ok: true, ...(r as object) }),
    (err: unknown) => process.send!({ id: m.id, ok: false, error: String((err as Error)?.stack ?? err) }),
  );
});

// The bench went away (killed, crashed): no engine is left behind.
process.on('disconnect', () => process.exit(0));
await controller.start();
process.send!({ id: 0, ok: true, ready: true, pid: process.pid, node: process.version });
