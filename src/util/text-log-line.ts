/**
 * The text form of a log line, `time LEVEL [scope] message key=value…`, made from the JSON
 * line pino writes (after redaction), so both formats carry the same, redacted, fields. A
 * value is written bare when it is a plain token, else as JSON (strings quoted).
 */
const TOKEN = /^[\w.:@/-]+$/;
const OWN = new Set(['time', 'level', 'scope', 'msg']);

function textValue(v: unknown): string {
  if (typeof v === 'string') return TOKEN.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** One pino JSON line (with or without its newline) as a text line without a newline. */
export function textLogLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    // Not JSON (never from pino): keep the line as it came rather than lose it.
    return json.trimEnd();
  }
  const level = typeof rec.level === 'string' ? rec.level.toUpperCase() : String(rec.level);
  // A message may carry text from the network: a line break in it must not start a forged line.
  const msg = String(rec.msg ?? '').replace(/[\r\n]/g, (c) => (c === '\n' ? '\\n' : '\\r'));
  let line = `${String(rec.time)} ${level}${typeof rec.scope === 'string' ? ` [${rec.scope}]` : ''} ${msg}`;
  for (const k in rec) if (!OWN.has(k)) line += ` ${k}=${textValue(rec[k])}`;
  return line;
}
