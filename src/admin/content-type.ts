/**
 * The Content-Type a request body must have: application/json (or a +json type) in
 * UTF-8. RFC 8259 §8.1: JSON exchanged between systems MUST be UTF-8, and the body is
 * read as UTF-8, so a body declared in another charset (utf-16, latin1, ...) would be
 * read as something it is not: it is refused. A missing header means application/json;
 * a missing charset means UTF-8.
 */
export function jsonContentTypeProblem(header: string | undefined): string | undefined {
  const [type, ...params] = (header ?? 'application/json').split(';');
  const t = type!.trim().toLowerCase();
  if (t !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(t)) return 'send the body as application/json';
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    if (p.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    const charset = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') return `the body must be UTF-8, not charset=${charset.slice(0, 40)}`;
  }
  return undefined;
}
