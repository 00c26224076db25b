import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const cache = new Map<string, string | undefined>();

/** Absolute path of a command on PATH, or undefined. */
export function findTool(name: string): string | undefined {
  if (!cache.has(name)) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    cache.set(name, r.status === 0 ? r.stdout.trim() || undefined : undefined);
  }
  return cache.get(name);
}

/**
 * Returns true when every tool is present; otherwise prints a plain SKIPPED line (the
 * test runner repeats it in its summary) so a missing Debian package is never silent.
 */
export function requireTools(suite: string, ...names: string[]): boolean {
  const missing = names.filter((n) => !findTool(n));
  if (missing.length === 0) return true;
  process.stdout.write(`SKIPPED ${suite}: ${missing.join(', ')} not installed (apt-get install ${missing.map(debianPackage).join(' ')})\n`);
  return false;
}

function debianPackage(tool: string): string {
  return ({ sipp: 'sip-tester', stunnel4: 'stunnel4', svwar: 'sipvicious', rtpengine: 'rtpengine-daemon', kamailio: 'kamailio kamailio-sqlite-modules', baresip: 'baresip-core', linphonec: 'linphone-cli' } as Record<string, string>)[tool] ?? tool;
}

/**
 * Like requireTools for data packages (no command to look for): true when `path` exists,
 * otherwise a SKIPPED line naming the Debian package that provides it.
 */
export function requirePath(suite: string, path: string, debianPackageName: string): boolean {
  if (existsSync(path)) return true;
  process.stdout.write(`SKIPPED ${suite}: ${path} not found (apt-get install ${debianPackageName})\n`);
  return false;
}
