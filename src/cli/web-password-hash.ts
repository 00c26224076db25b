/**
 * `pbx web-password-hash`: reads a password from stdin (one line; a terminal does not echo
 * it only if the shell hides it, so pipe it: `printf %s "$PW" | pbx web-password-hash`) and
 * prints its `$scrypt$` hash for pbx.yaml `console.providers[].passwordHash` or a tenant
 * file's `webPassword`. Exit 2 when the password breaks the rule (8 to 128 characters).
 */
import { hashWebPassword, webPasswordProblem } from '../tenant/web-password.js';

export async function webPasswordHashCommand(input: NodeJS.ReadableStream, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of input) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    size += b.length;
    if (size > 4096) {
      err('the password is too long');
      return 2;
    }
    chunks.push(b);
  }
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  const problem = webPasswordProblem(password);
  if (problem !== undefined) {
    err(`the password ${problem}`);
    return 2;
  }
  out(hashWebPassword(password));
  return 0;
}
