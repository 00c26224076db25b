// Installs what the bench needs from Debian when it is missing: sipp (sip-tester), kamailio,
// and Kamailio's db_sqlite module (kamailio-sqlite-modules). Bounded in time; never run when
// everything is already there.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { KAMAILIO_MODULES_DIR } from './kamailio-config.mjs';

function has(bin) {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** @returns {string[]} the Debian packages that are missing for these needs */
export function missingPackages({ sipp, kamailio }) {
  const pkgs = [];
  if (sipp && !has('sipp')) pkgs.push('sip-tester');
  if (kamailio && !has('kamailio')) pkgs.push('kamailio');
  if (kamailio && !existsSync(`${KAMAILIO_MODULES_DIR}/db_sqlite.so`)) pkgs.push('kamailio-sqlite-modules');
  return pkgs;
}

export function installMissing(needs, log) {
  const pkgs = missingPackages(needs);
  if (pkgs.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`missing ${pkgs.join(', ')}; run as root or: apt-get install -y ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`installing ${pkgs.join(', ')} ...`);
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env, timeout: 180_000 });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env, timeout: 600_000 });
  const still = missingPackages(needs);
  if (still.length > 0) throw new Error(`still missing after apt-get: ${still.join(', ')}`);
}
