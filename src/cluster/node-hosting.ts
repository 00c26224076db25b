/**
 * What one PBX node hosts, as its provider API tells it: tenants with their domains, and the
 * DIDs assigned to them (GET /tenants, GET /dids, both existing provider routes). Deleted and
 * disabled tenants are not placed: their domains are refused at the edge like unknown ones.
 */
import type { ClusterNode } from '../config/cluster-config.js';

export interface NodeHosting {
  node: string;
  tenants: Array<{ id: string; domains: string[] }>;
  dids: Array<{ number: string; tenantId: string }>;
}

/** A node's API could not say what it hosts (down, wrong token, not a PBX). */
export class NodeUnreachableError extends Error {
  constructor(
    readonly node: string,
    readonly reason: string,
  ) {
    super(`node ${node}: ${reason}`);
    this.name = 'NodeUnreachableError';
  }
}

export type Fetch = (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<{ status: number; json(): Promise<unknown> }>;

const PLACED = new Set(['active', 'suspended']);

/** Asks a node's API what it hosts. Every answer is checked: a node is not trusted to be well-formed. */
export async function fetchNodeHosting(node: ClusterNode, fetch: Fetch, timeoutMs = 10_000): Promise<NodeHosting> {
  const get = async (path: string): Promise<unknown> => {
    let res;
    try {
      res = await fetch(node.api + path, { headers: { authorization: `Bearer ${node.token}`, accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw new NodeUnreachableError(node.name, `GET ${path} failed: ${(e as Error).message}`);
    }
    if (res.status !== 200) throw new NodeUnreachableError(node.name, `GET ${path} answered ${res.status}`);
    try {
      return await res.json();
    } catch {
      throw new NodeUnreachableError(node.name, `GET ${path} did not answer JSON`);
    }
  };
  const tenants = items(node, '/tenants', await get('/tenants'))
    .filter((t) => PLACED.has(String(t['status'])))
    .map((t) => {
      if (typeof t['id'] !== 'string' || !Array.isArray(t['domains']) || !t['domains'].every((d) => typeof d === 'string')) {
        throw new NodeUnreachableError(node.name, 'GET /tenants: a tenant without id or domains');
      }
      return { id: t['id'], domains: (t['domains'] as string[]).map((d) => d.toLowerCase()) };
    });
  const hosted = new Set(tenants.map((t) => t.id));
  const dids = items(node, '/dids', await get('/dids')).map((d) => {
    if (typeof d['number'] !== 'string' || typeof d['tenantId'] !== 'string') throw new NodeUnreachableError(node.name, 'GET /dids: a DID without number or tenantId');
    return { number: d['number'], tenantId: d['tenantId'] };
  });
  return { node: node.name, tenants, dids: dids.filter((d) => hosted.has(d.tenantId)) };
}

function items(node: ClusterNode, path: string, body: unknown): Array<Record<string, unknown>> {
  const list = (body as { items?: unknown })?.items;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'object' && x !== null)) throw new NodeUnreachableError(node.name, `GET ${path}: no items list`);
  return list as Array<Record<string, unknown>>;
}
