/** The transport a contact registered over (RFC 7118 adds ws and wss). */
export type BindingProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** One registered contact of an extension, as the registrar hands it to the store. */
export interface BindingRow {
  /** The extension (unescaped user part). */
  aor: string;
  /** Contact URI as registered, serialized, e.g. "sip:1001@10.0.0.5:5062;transport=tcp". */
  contact: string;
  /** +sip.instance (RFC 5626). */
  instance?: string;
  /** reg-id (RFC 5626). */
  regId?: number;
  callId: string;
  cseq: number;
  /** ms since epoch. */
  expiresAt: number;
  q?: number;
  source: { protocol: BindingProtocol; address: string; port: number; connectionId?: string; localAddress: string; localPort: number };
  /** RFC 3327 Path values, top first. */
  path?: string[];
  userAgent?: string;
  /** ms since epoch. */
  updatedAt: number;
}

/** Column values in the order of BINDING_COLUMNS. */
export type BindingParams = [
  aor: string,
  pos: number,
  contact: string,
  instance: string | null,
  regId: number | null,
  callId: string,
  cseq: number,
  expiresAt: number,
  q: number | null,
  protocol: string,
  address: string,
  port: number,
  connectionId: string | null,
  localAddress: string,
  localPort: number,
  path: string | null,
  userAgent: string | null,
  updatedAt: number,
];

export const BINDING_COLUMNS =
  'aor, pos, contact, instance, reg_id, call_id, cseq, expires_at, q, protocol, address, port, connection_id, local_address, local_port, path, user_agent, updated_at';

export interface BindingSqlRow {
  aor: string;
  pos: number;
  contact: string;
  instance: string | null;
  reg_id: number | null;
  call_id: string;
  cseq: number;
  expires_at: number;
  q: number | null;
  protocol: BindingProtocol;
  address: string;
  port: number;
  connection_id: string | null;
  local_address: string;
  local_port: number;
  path: string | null;
  user_agent: string | null;
  updated_at: number;
}

export function bindingToParams(b: BindingRow, pos: number): BindingParams {
  const s = b.source;
  return [
    b.aor,
    pos,
    b.contact,
    b.instance ?? null,
    b.regId ?? null,
    b.callId,
    b.cseq,
    b.expiresAt,
    b.q ?? null,
    s.protocol,
    s.address,
    s.port,
    s.connectionId ?? null,
    s.localAddress,
    s.localPort,
    b.path && b.path.length > 0 ? JSON.stringify(b.path) : null,
    b.userAgent ?? null,
    b.updatedAt,
  ];
}

export function bindingFromSql(r: BindingSqlRow): BindingRow {
  const source: BindingRow['source'] = { protocol: r.protocol, address: r.address, port: r.port, localAddress: r.local_address, localPort: r.local_port };
  if (r.connection_id !== null) source.connectionId = r.connection_id;
  const b: BindingRow = { aor: r.aor, contact: r.contact, callId: r.call_id, cseq: r.cseq, expiresAt: r.expires_at, source, updatedAt: r.updated_at };
  if (r.instance !== null) b.instance = r.instance;
  if (r.reg_id !== null) b.regId = r.reg_id;
  if (r.q !== null) b.q = r.q;
  if (r.path !== null) b.path = parsePath(r.path);
  if (r.user_agent !== null) b.userAgent = r.user_agent;
  return b;
}

function parsePath(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
