// A typed door to parse-prometheus-text-format (a port of prom2json's parser, from npm),
// plus the strict checks of the text format 0.0.4 that a lenient parser lets through.
import { createRequire } from 'node:module';

export interface ParsedSample {
  value: string;
  labels?: Record<string, string>;
}

export interface ParsedFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: ParsedSample[];
}

const require = createRequire(import.meta.url);
const parser = require('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

/** Parse with the npm parser; throws on a line it cannot read. */
export function parsePrometheus(text: string): ParsedFamily[] {
  return parser(text);
}

/**
 * What the parser does not check: every family has HELP and TYPE before its samples, a
 * family appears once, a series (name + label set) appears once, counters end in _total,
 * and the text ends with a newline. Returns the problems found.
 */
export function strictProblems(text: string): string[] {
  const problems: string[] = [];
  if (text.length > 0 && !text.endsWith('\n')) problems.push('does not end with a newline');
  const typed = new Map<string, string>();
  const helped = new Set<string>();
  const finished = new Set<string>();
  const series = new Set<string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      if (helped.has(m[1]!)) problems.push(`HELP twice for ${m[1]}`);
      helped.add(m[1]!);
      if (current !== undefined && current !== m[1]) finished.add(current);
      if (finished.has(m[1]!)) problems.push(`family ${m[1]} appears twice`);
      current = m[1];
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      if (typed.has(m[1]!)) problems.push(`TYPE twice for ${m[1]}`);
      typed.set(m[1]!, m[2]!);
      if (m[2] === 'counter' && !m[1]!.endsWith('_total')) problems.push(`counter ${m[1]} does not end in _total`);
      continue;
    }
    if (line.startsWith('#')) continue;
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m) {
      problems.push(`unreadable sample line: ${line}`);
      continue;
    }
    const name = m[1]!;
    if (name !== current) problems.push(`sample ${name} outside its family (current: ${current})`);
    if (!typed.has(name)) problems.push(`sample ${name} before its TYPE`);
    if (!helped.has(name)) problems.push(`sample ${name} without HELP`);
    // Values are read by Go's strconv.ParseFloat, which matches NaN and Inf ignoring case
    // (prom-client writes "Nan").
    if (!/^([nN][aA][nN]|[+-][iI][nN][fF]|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/.test(m[3]!)) problems.push(`bad value in ${line}`);
    const key = name + (m[2] ?? '');
    if (series.has(key)) problems.push(`duplicate series ${key}`);
    series.add(key);
  }
  return problems;
}

/** The value of the series with exactly these labels (among others ignored when `partial`). */
export function sampleValue(families: ParsedFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const f = families.find((x) => x.name === name);
  const s = f?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  return s === undefined ? undefined : Number(s.value);
}
