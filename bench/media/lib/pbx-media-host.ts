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
import type { LegCodec } from '../../../src/media/protocol.js';
import { writeSine } from '../../../src/media/dsp/tone.js';
import { memoryLogger } from '../../../src/util/logger.js';

const [portMin, portMax] = [Number(process.env.PORT_MIN ?? 24000), Number(process.env.PORT_MAX ?? 27999)];
const controller = new MediaController({ workers: 1, address: '127.0.0.1', portMin, portMax, rtpTimeoutMs: 0, logger: memoryLogger('warn') });
let sessions: MediaSession[] = [];

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
  | { op: 'setup'; calls: number; a: LegCodec; b: LegCodec; transcode: boolean; targets: Array<{ host: string; port: number }> }
  | { op: 'teardown' }
  | { op: 'load' }
  | { op: 'quit' };

async function handle(m: Msg): Promise<unknown> {
  switch (m.op) {
    case 'payloads':
      return { payloads: payloads(m.codec), opusBackend: m.codec === 'opus' ? chooseOpusBackend('auto').backend.name : undefined };
    case 'setup': {
      const ports: number[] = [];
      for (let c = 0; c < m.calls; c++) {
        const s = await controller.createSession(`bench-${c}`);
        sessions.push(s);
        const ta = m.targets[2 * c]!;
        const tb = m.targets[2 * c + 1]!;
        await s.setRemote('a', { address: ta.host, port: ta.port, allowedSources: [ta.host] });
        await s.setRemote('b', { address: tb.host, port: tb.port, allowedSources: [tb.host] });
        if (m.transcode) await s.useCodecs({ a: m.a, b: m.b });
        ports.push(s.legA.rtpPort, s.legB.rtpPort);
      }
      return { ports };
    }
    case 'teardown':
      await Promise.all(sessions.map((s) => s.release().catch(() => undefined)));
      sessions = [];
      return {};
    case 'load':
      return { load: (await controller.loads())[0], memory: process.memoryUsage() };
    case 'quit':
      await controller.stop();
      setImmediate(() => process.exit(0));
      return {};
  }
}

process.on('message', (m: Msg & { id: number }) => {
  handle(m).then(
    (r) => process.send!({ id: m.id, ok: true, ...(r as object) }),
    (err: unknown) => process.send!({ id: m.id, ok: false, error: String((err as Error)?.stack ?? err) }),
  );
});

await controller.start();
process.send!({ id: 0, ok: true, ready: true, pid: process.pid, node: process.version });
