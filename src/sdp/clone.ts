import type { Connection, MediaDescription, SessionDescription } from './types.js';

/** A deep copy, so that a rewrite never touches the description it was given. */
export function cloneSdp(sd: SessionDescription): SessionDescription {
  const out: SessionDescription = {
    version: sd.version,
    origin: { ...sd.origin },
    sessionName: sd.sessionName,
    bandwidths: sd.bandwidths.map((b) => ({ ...b })),
    timing: sd.timing.map((t) => ({ start: t.start, stop: t.stop, repeats: [...t.repeats] })),
    attributes: sd.attributes.map((a) => ({ ...a })),
    media: sd.media.map(cloneMedia),
    other: sd.other.map((l) => ({ ...l })),
  };
  if (sd.connection) out.connection = cloneConnection(sd.connection);
  return out;
}

export function cloneMedia(m: MediaDescription): MediaDescription {
  const out: MediaDescription = {
    type: m.type,
    port: m.port,
    proto: m.proto,
    formats: [...m.formats],
    bandwidths: m.bandwidths.map((b) => ({ ...b })),
    attributes: m.attributes.map((a) => ({ ...a })),
    other: m.other.map((l) => ({ ...l })),
  };
  if (m.portCount !== undefined) out.portCount = m.portCount;
  if (m.connection) out.connection = cloneConnection(m.connection);
  return out;
}

function cloneConnection(c: Connection): Connection {
  return { netType: c.netType, addrType: c.addrType, address: c.address };
}
