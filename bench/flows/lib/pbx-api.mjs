// What the call-flows bench reads from the PBX over its admin API (provider token): the media
// workers' pacer counters from GET /metrics, and a voicemail box's messages.

/** Per worker { paced, late } from a Prometheus text exposition. */
export function parsePacerCounters(text) {
  const out = new Map();
  for (const m of text.matchAll(/^pbx_media_worker_frames_(paced|late)_total\{[^}]*worker="([^"]+)"[^}]*\}\s+([0-9.eE+-]+)\s*$/gm)) {
    const w = m[2];
    if (!out.has(w)) out.set(w, { paced: 0, late: 0 });
    out.get(w)[m[1]] = Number(m[3]);
  }
  return out;
}

/** after - before per worker, and the totals. */
export function pacerDelta(before, after) {
  const workers = [];
  for (const [w, a] of after) {
    const b = before.get(w) ?? { paced: 0, late: 0 };
    workers.push({ worker: w, paced: a.paced - b.paced, late: a.late - b.late });
  }
  workers.sort((x, y) => String(x.worker).localeCompare(String(y.worker), 'en', { numeric: true }));
  const paced = workers.reduce((s, x) => s + x.paced, 0);
  const late = workers.reduce((s, x) => s + x.late, 0);
  return { workers, paced, late, latePct: paced > 0 ? (100 * late) / paced : 0 };
}

export class PbxApi {
  /** @param {{ apiPort: number, token: string }} o */
  constructor(o) {
    this.base = `http://127.0.0.1:${o.apiPort}`;
    this.token = o.token;
  }

  async get(path) {
    const r = await fetch(this.base + path, { headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(15_000) });
    const body = await r.text();
    if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${body.slice(0, 200)}`);
    return body;
  }

  async pacer() {
    return parsePacerCounters(await this.get('/metrics'));
  }

  /** A message's audio (audio/wav) as the API serves it. */
  async audio(tenant, box, id) {
    const path = `/api/v1/tenants/${tenant}/voicemail/boxes/${box}/messages/${encodeURIComponent(id)}/audio`;
    const r = await fetch(this.base + path, { headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(30_000) });
    const body = Buffer.from(await r.arrayBuffer());
    if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${body.toString('utf8', 0, 200)}`);
    return body;
  }

  /** Every message of a box, oldest first, as the API lists them ({ id, folder, bytes, durationMs, ... }). */
  async messages(tenant, box) {
    return JSON.parse(await this.get(`/api/v1/tenants/${tenant}/voicemail/boxes/${box}/messages`)).items ?? [];
  }
}
