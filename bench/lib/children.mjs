// Every process the bench starts is registered here and started in its own process group, so
// that stopping it also stops what it forked (Kamailio's workers), and so that a Ctrl-C, an error
// or a normal exit of the bench never leaves a server or a SIPp behind.
import { spawn } from 'node:child_process';

const live = new Set();

function signalGroup(child, sig) {
  try {
    process.kill(-child.pid, sig);
  } catch {
    try {
      child.kill(sig);
    } catch {
      /* already gone */
    }
  }
}

/** spawn() in a new process group, remembered until it exits. */
export function spawnTracked(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { ...opts, detached: true });
  live.add(child);
  child.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    child.on('error', (err) => {
      live.delete(child);
      resolve({ code: null, signal: null, error: err });
    });
  });
  return child;
}

/** SIGTERM the group, SIGKILL it if it has not exited after graceMs. */
export async function stopTracked(child, graceMs = 5000) {
  if (!live.has(child)) return child.exited;
  signalGroup(child, 'SIGTERM');
  let timer;
  const killed = new Promise((resolve) => {
    timer = setTimeout(() => {
      signalGroup(child, 'SIGKILL');
      resolve(undefined);
    }, graceMs);
  });
  const res = await Promise.race([child.exited, killed.then(() => child.exited)]);
  clearTimeout(timer);
  // The leader may be gone while a forked worker lingers: sweep the group once more.
  signalGroup(child, 'SIGKILL');
  return res;
}

/** Synchronous last resort (process 'exit' handler): SIGKILL every group still alive. */
export function killAllNow() {
  for (const child of live) signalGroup(child, 'SIGKILL');
  live.clear();
}

export async function stopAll() {
  await Promise.all([...live].map((c) => stopTracked(c, 3000)));
}

/** Installs the handlers once: Ctrl-C / SIGTERM stop everything and exit 130/143. */
export function installCleanup(log) {
  let stopping = false;
  const onSignal = (sig, code) => {
    if (stopping) return;
    stopping = true;
    log(`\n${sig}: stopping what the bench started...`);
    stopAll().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
  process.on('exit', killAllNow);
}
