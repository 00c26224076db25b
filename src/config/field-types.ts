/** Value schemas shared by the config files: paths, hosts, addresses, port ranges. */
import { isAbsolute, resolve } from 'node:path';
import { parseCidr, parseHost, parseHostPort, parseListenUri } from './net-syntax.js';
import { checkField, ROUTING_FIELDS, type FieldRule, type IntRule, type TextRule, type EnumRule } from '../model/field-rules.js';
import { int, oneOf, reject, str, strOrNumber, type Schema } from './schema.js';
import type { ListenSpec } from './types.js';

/** A file or directory; relative to the config file's directory, returned absolute. */
export function filePath(): Schema<string> {
  return str({ minLength: 1 }).to((p, ctx) => (isAbsolute(p) ? resolve(p) : resolve(ctx.baseDir, p)));
}

/** An IP address or host name, lowercased, IPv6 without brackets. */
export function host(): Schema<string> {
  return str({ minLength: 1 }).to((s) => {
    const h = parseHost(s);
    return typeof h === 'string' ? h : reject(h.problem);
  });
}

/** `host:port` or `[v6]:port`. */
export function hostPort(): Schema<{ host: string; port: number }> {
  return str({ minLength: 1 }).to((s) => {
    const hp = parseHostPort(s);
    return 'problem' in hp ? reject(hp.problem) : hp;
  });
}

/** `udp://host:port`, `tcp://host:port` or `tls://host:port`. */
export function listenUri(): Schema<ListenSpec> {
  return str({ minLength: 1 }).to((s) => {
    const l = parseListenUri(s);
    return 'problem' in l ? reject(l.problem) : l;
  });
}

/** An IP address or CIDR block. */
export function cidr(): Schema<string> {
  return str({ minLength: 1 }).to((s) => {
    const c = parseCidr(s);
    return typeof c === 'string' ? c : reject(c.problem);
  });
}

/** `min-max`, two ports 1024-65535 with min < max. */
export function portRange(): Schema<{ portMin: number; portMax: number }> {
  return str({ minLength: 1 }).to((s) => {
    const m = /^\s*([0-9]{1,5})\s*-\s*([0-9]{1,5})\s*$/.exec(s);
    if (!m) return reject(`'${s}' is not a port range like 20000-29999`);
    const portMin = Number(m[1]);
    const portMax = Number(m[2]);
    if (portMin < 1024 || portMax > 65535) return reject(`ports must be between 1024 and 65535, got ${s}`);
    if (portMin >= portMax) return reject(`the first port must be below the second, got ${s}`);
    return { portMin, portMax };
  });
}

/** A count or size that must be at least 1. */
export function positiveInt(max?: number): Schema<number> {
  return int({ min: 1, max });
}

/** Names of trunks, ring groups and routes: 1-63 of a-z 0-9 '-' (the rule shared with the API). */
export const NAME_RE = new RegExp(ROUTING_FIELDS.objectName.pattern, 'u');

/** A trunk, ring group or route name (a plain YAML number is kept as written). */
export function objectName(): Schema<string> {
  return strOrNumber().to((s) => (NAME_RE.test(s) ? s : reject(`'${s}' is not a name: 1-63 characters of a-z 0-9 -`)));
}

/**
 * A field whose rule is shared with the admin API (src/model/field-rules.ts): the YAML
 * refuses exactly what the API refuses, with the same message. `numbers`: a plain YAML
 * number is taken as written (`ext: 0100` stays "0100").
 */
export function sharedField(rule: TextRule, opts?: { numbers?: boolean }): Schema<string>;
export function sharedField(rule: IntRule): Schema<number>;
export function sharedField<V extends string>(rule: EnumRule & { values: readonly V[] }): Schema<V>;
export function sharedField(rule: FieldRule, opts: { numbers?: boolean } = {}): Schema<string> | Schema<number> {
  const verdict = <T>(v: T): T | ReturnType<typeof reject> => {
    const problem = checkField(rule, v);
    return problem === undefined ? v : reject(problem);
  };
  switch (rule.type) {
    case 'string':
      return (opts.numbers ? strOrNumber() : str()).to(verdict);
    case 'integer':
      return int().to(verdict);
    case 'enum':
      return oneOf(rule.values) as Schema<string>;
  }
}
