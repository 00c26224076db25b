/**
 * Session descriptions (RFC 8866, which obsoletes RFC 4566) as plain data. The lines
 * the PBX works with are typed; everything else is kept verbatim so that a parse and
 * serialize round trip loses nothing. Text values are as on the wire: case is kept,
 * numbers the grammar defines as digits are numbers.
 */

/** A line kept as read: its type letter and the text after '='. */
export interface SdpLine {
  type: string;
  value: string;
}

/** o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> (RFC 8866 §5.2). */
export interface Origin {
  username: string;
  /** Digits on a well-formed wire, kept as text: they may exceed 2^53. */
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

/** c=<nettype> <addrtype> <connection-address> (RFC 8866 §5.7). */
export interface Connection {
  /** 'IN' on the Internet. */
  netType: string;
  /** 'IP4' or 'IP6' on the Internet. */
  addrType: string;
  /** An IP literal or a name; a multicast /ttl/count suffix stays part of it. */
  address: string;
}

/** b=<bwtype>:<bandwidth> (RFC 8866 §5.8). */
export interface Bandwidth {
  type: string;
  /** Kilobits per second for AS and CT. */
  value: number;
}

/** t=<start-time> <stop-time> with the r= lines that follow it (RFC 8866 §5.9, §5.10). */
export interface Timing {
  start: number;
  stop: number;
  /** r= values, verbatim. */
  repeats: string[];
}

/** a=<name> or a=<name>:<value> (RFC 8866 §5.13). */
export interface Attribute {
  name: string;
  /** Absent for a property attribute (a=sendonly); '' for "a=name:". */
  value?: string;
}

/** m=<media> <port>[/<number of ports>] <proto> <fmt> ... and its lines (RFC 8866 §5.14). */
export interface MediaDescription {
  /** 'audio', 'video', 'application', ... */
  type: string;
  /** 0 marks a disabled or rejected stream (RFC 3264 §6, §8.2). */
  port: number;
  /** The /<number of ports> suffix, when present. */
  portCount?: number;
  /** 'RTP/AVP', 'RTP/AVPF', 'RTP/SAVP', 'UDP/TLS/RTP/SAVPF', ... */
  proto: string;
  /** For RTP, payload type numbers as text. */
  formats: string[];
  connection?: Connection;
  bandwidths: Bandwidth[];
  /** In the order read. */
  attributes: Attribute[];
  /** i=, k= and lines of unknown type, verbatim in the order read. */
  other: SdpLine[];
}

export interface SessionDescription {
  /** v=; always 0. */
  version: number;
  origin: Origin;
  /** s=; '-' when the description had none. */
  sessionName: string;
  connection?: Connection;
  bandwidths: Bandwidth[];
  /** t= lines; serialized as "t=0 0" when empty. */
  timing: Timing[];
  /** Session-level attributes, in the order read. */
  attributes: Attribute[];
  media: MediaDescription[];
  /** i=, u=, e=, p=, z=, k= and lines of unknown type, verbatim in the order read. */
  other: SdpLine[];
}
