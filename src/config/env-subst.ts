/** The environment a config file is read with (usually process.env, passed in). */
export type Env = Readonly<Record<string, string | undefined>>;

export type Substitution =
  | { ok: true; value: string; substituted: boolean }
  | { ok: false; problem: string };

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces `${NAME}` with the variable's value and `${NAME:-fallback}` with the value,
 * or with `fallback` when the variable is unset or empty (as in POSIX sh). `$${` stands
 * for a literal `${`. An unset variable without a fallback is a problem; every unset
 * name is listed in it.
 */
export function substituteEnv(text: string, env: Env): Substitution {
  if (!text.includes('${')) return { ok: true, value: text, substituted: false };
  let out = '';
  let i = 0;
  const unset: string[] = [];
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    if (text.startsWith('$${', dollar)) {
      out += '${';
      i = dollar + 3;
      continue;
    }
    if (text[dollar + 1] !== '{') {
      out += '$';
      i = dollar + 1;
      continue;
    }
    const close = text.indexOf('}', dollar + 2);
    if (close < 0) return { ok: false, problem: "unterminated '${' (write '$${' for a literal '${')" };
    const body = text.slice(dollar + 2, close);
    const sep = body.indexOf(':-');
    const name = sep < 0 ? body : body.slice(0, sep);
    if (!NAME_RE.test(name)) return { ok: false, problem: `bad environment variable name '${name}' in '\${${body}}'` };
    const value = env[name];
    if (sep >= 0) out += value === undefined || value === '' ? body.slice(sep + 2) : value;
    else if (value === undefined) unset.push(name);
    else out += value;
    i = close + 1;
  }
  if (unset.length === 1) return { ok: false, problem: `environment variable ${unset[0]} is not set` };
  if (unset.length > 1) return { ok: false, problem: `environment variables ${unset.join(', ')} are not set` };
  return { ok: true, value: out, substituted: true };
}

/**
 * The text that substituteEnv turns back into `text` exactly: every `${` written as `$${`.
 * `pbx tenant export` writes the keys that expand (passwords, trunk credentials) this
 * way, so a secret that contains `${` applies back as itself and never reads a variable.
 */
export function escapeEnv(text: string): string {
  return text.replaceAll('${', () => '$${');
}
